"""Operator pages: auctions and their schedule; expected capacity, qualification and the qualification notice.

Thin: reads through selectors (scoped to the user's operator), writes through services; DomainError → message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from capacity_market import bulk_import
from capacity_market.errors import DomainError
from capacity_market.models import ImportJob
from capacity_market.review.views import open_application_page
from registration import selectors as registration_selectors

from ..models import ExpectedCapacityApplication, is_variable
from ..schedule import selectors as schedule_selectors
from . import csv_import as csv_format
from . import selectors, services
from .forms import ExpectedCapacityForm

# The expected-capacity page shows the newest applications of the auction (all are on the application list), and
# the apply page the newest of one resource.
APPLICATIONS_SHOWN = 200
HISTORY_SHOWN = 50


def _operator(request: HttpRequest):
    """The operator of an operator user; 404 for anyone else (OCCTO staff use the admin)."""
    return registration_selectors.operator_for_user(user=request.user)






@login_required
@require_http_methods(["GET"])
def expected_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    """Per auction: the operator's resources with their expected-capacity status, and the applications."""
    _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    return render(request, "auctions/qualification/expected_capacity.html", {
        "auction": auction,
        "main_auction": services.main_auction_of(auction),
        "state": auction.phase_state(),
        "resources": selectors.resources_with_status(user=request.user, auction=auction),
        "applications": services.expected_capacity_applications.list_for_user(
            user=request.user, auction=auction)[:APPLICATIONS_SHOWN],
        "app_type": services.expected_capacity_applications,
    })


def _working(auction, resource):
    """(kW, factor) for variable resources, None for others; a missing factor becomes the error message."""
    try:
        return services.adjustment_working(auction=auction, resource=resource), ""
    except DomainError as exc:
        return None, exc.message


@login_required
@require_http_methods(["GET", "POST"])
def expected_capacity_apply(request: HttpRequest, pk: int, resource_pk: int) -> HttpResponse:
    _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    resource = selectors.resource_get_for_user(user=request.user, pk=resource_pk)
    blocked = open_application_page(
        request, app_type=services.expected_capacity_applications, subject=resource, scope={"auction": auction},
        title=_("Expected capacity: %(name)s") % {"name": f"{auction.name} / {resource.grid_code} {resource.name}"},
        back_url=reverse("auctions:expected_capacity", kwargs={"pk": auction.pk}),
        back_label=_("Back to expected capacity"))
    if blocked:
        return blocked
    computed, working_error = _working(auction, resource)
    variable = is_variable(resource.category)
    form = ExpectedCapacityForm(request.POST or None, computed=variable, auction=auction, resource=resource)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.submit_expected_capacity_application(
                auction=auction, resource=resource, actor=request.user,
                expected_kw=form.cleaned_data.get("expected_kw"),
                applicant_comment=form.cleaned_data["applicant_comment"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your expected-capacity application %(number)s was submitted.")
                             % {"number": application.number})
            return redirect(services.expected_capacity_applications.url("detail", application))
    # The most this resource can apply for; below the auction's threshold the page says why and offers no form.
    ceiling = computed[0] if computed else (None if variable else resource.installed_kw)
    return render(request, "auctions/qualification/expected_capacity_form.html", {
        "auction": auction, "resource": resource, "form": form, "variable": variable,
        "ineligible_reason": services.participation_refusal(auction=auction, resource=resource),
        "computed": computed, "working_error": working_error, "state": auction.phase_state(),
        "below_threshold": ceiling is not None and ceiling < auction.threshold_kw,
        "history": services.expected_capacity_applications.list_for_user(
            user=request.user, auction=auction, resource=resource)[:HISTORY_SHOWN],
    })


@login_required
@require_http_methods(["GET"])
def qualified(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    rows = selectors.with_ineligible_reasons(list(selectors.qualified_for_user(user=request.user, auction=auction)),
                                             auction=auction)
    qualified_ids = {row.resource_id for row in rows}
    return render(request, "auctions/qualification/qualified.html", {
        "auction": auction, "rows": rows, "main_auction": services.main_auction_of(auction),
        "ineligible": [resource for resource in selectors.ineligible_resources_for_user(user=request.user,
                                                                                           auction=auction)
                       if resource.pk not in qualified_ids],
    })


@login_required
@require_http_methods(["GET"])
def qualification_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """参加資格通知: a printable page in Japanese listing the operator's qualified resources for the auction."""
    operator = _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    rows = selectors.with_ineligible_reasons(list(selectors.qualified_for_user(user=request.user, auction=auction)),
                                             auction=auction)
    rows = [row for row in rows if row.ineligible_reason is None]  # a main-auction winner holds no qualification
    if not rows:
        raise Http404(_("Not found."))
    return render(request, "auctions/qualification/qualification_notice.html", {
        "auction": auction, "operator": operator, "rows": rows,
        "total_kw": sum(row.expected_kw for row in rows), "issued_at": timezone.now(),
    })


# --- bulk registration by CSV ------------------------------------------------------------------------------------
def _import_job_for_user(request: HttpRequest, pk: int) -> ImportJob:
    return bulk_import.job_get_for_user(spec=csv_format.SPEC, user=request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def expected_capacity_import(request: HttpRequest, pk: int) -> HttpResponse:
    operator = _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    return bulk_import.upload_page(request, spec=csv_format.SPEC, operator_id=operator.pk,
                                   template="auctions/qualification/import.html",
                                   context={"auction": auction})


@login_required
@require_http_methods(["GET"])
def expected_capacity_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    auction = schedule_selectors.auction_get(pk=pk)
    resources = selectors.resources_with_status(user=request.user, auction=auction)
    rows = csv_format.SPEC.template_rows_for(auction=auction, resources=resources)
    return bulk_import.csv_response(f"expected_capacity_{auction.code}.csv", csv_format.HEADERS, rows)


@login_required
@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _import_job_for_user(request, pk)
    return bulk_import.job_page(
        request, job=job, template="auctions/qualification/import_job.html",
        page_url=reverse("auctions:import_job", kwargs={"pk": job.pk}),
        status_url=reverse("auctions:import_status", kwargs={"pk": job.pk}),
        applications=ExpectedCapacityApplication.objects.filter(import_job=job).select_related("resource", "auction"),
    )


@login_required
@require_http_methods(["GET"])
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(bulk_import.status(_import_job_for_user(request, pk)))
