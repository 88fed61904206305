"""Results pages (約定結果): the operator's own awards, the published aggregate with the supply–demand chart, and
their CSV downloads.

Nothing is shown before OCCTO publishes a run: the page says the results are not yet published (no price, no
count) and both CSVs answer 404. Own awards are for operator users only (scoped to their operator); OCCTO staff
see the published aggregate and its CSV (they read every bid's outcome of any run, published or not, in the admin's
*Clearing outcomes*, `admin.ClearingOutcomeAdmin`) and get 404 for the awards CSV.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from capacity_market import bulk_import
from capacity_market.roles import is_occto_staff
from registration import selectors as registration_selectors

from ..models import Auction
from . import chart as result_chart
from . import selectors as results


def _auction(pk: int) -> Auction:
    return get_object_or_404(Auction, pk=pk)


def _may_see_aggregate(request: HttpRequest) -> bool:
    """Operator users and OCCTO staff; anyone else (no operator, not staff) gets 404."""
    return request.user.operator_id is not None or is_occto_staff(request.user)


def _published_run_or_404(auction: Auction):
    run = results.published_run(auction=auction)
    if run is None:
        raise Http404(_("Not found."))
    return run


@login_required
@require_http_methods(["GET"])
def results_page(request: HttpRequest, pk: int) -> HttpResponse:
    if not _may_see_aggregate(request):
        raise Http404(_("Not found."))
    auction = _auction(pk)
    run = results.published_run(auction=auction)
    if run is None:
        return render(request, "auctions/results/not_published.html", {"auction": auction})
    is_operator = request.user.operator_id is not None
    own = results.own_outcomes(run=run, user=request.user) if is_operator else []
    data = result_chart.chart_data(run)
    return render(request, "auctions/results/results.html", {
        "auction": auction, "run": run, "is_operator": is_operator,
        "own": own, "own_totals": results.own_totals(own),
        "aggregate": results.aggregate(run=run), "contract_total": results.contract_total(auction=auction),
        "chart": result_chart.render_svg(data), "chart_rows": result_chart.table_rows(data),
    })


@login_required
@require_http_methods(["GET"])
def awards_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator's own outcomes in the published run (awarded and not), in Japanese."""
    registration_selectors.operator_for_user(user=request.user)
    auction = _auction(pk)
    run = _published_run_or_404(auction)
    outcomes = results.own_outcomes(run=run, user=request.user)
    with translation.override("ja"):
        rows = results.awards_csv_rows(outcomes)
    return bulk_import.csv_response(f"results_awards_{auction.code}.csv", results.AWARDS_CSV_HEADERS, rows)


@login_required
@require_http_methods(["GET"])
def summary_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The published aggregate: area prices and awarded kW by area × category, in Japanese."""
    if not _may_see_aggregate(request):
        raise Http404(_("Not found."))
    auction = _auction(pk)
    run = _published_run_or_404(auction)
    with translation.override("ja"):
        headers, rows = results.summary_csv(results.aggregate(run=run))
    return bulk_import.csv_response(f"results_summary_{auction.code}.csv", headers, rows)
