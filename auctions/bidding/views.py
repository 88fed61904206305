"""Operator pages of bidding (応札): the bid page of an auction, a bid's history and withdrawal, receipts, the CSV
download and the CSV upload.

Thin: reads through `bid_selectors` (scoped to the user's operator; others' objects 404, OCCTO staff 404), writes
through `bidding`; a `DomainError` becomes a message and nothing changes. Every form carries an idempotency key
(a new UUID per GET) so a double POST stores once.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from capacity_market import bulk_import
from capacity_market.errors import DomainError
from registration import selectors as registration_selectors

from ..models import BidStatus, BidSubmission
from ..qualification import selectors as qualification_selectors
from ..schedule import phases, selectors
from . import csv_import as csv_format
from . import selectors as bid_selectors
from . import services as bidding
from .forms import BidRowForm, SubmissionKeyForm, WithdrawBidForm

# The operator's latest submission receipts on the bid page (each receipt is a whole saved sheet or CSV file).
RECEIPTS_SHOWN = 10


def _operator(request: HttpRequest):
    """The operator of an operator user; 404 for anyone else (OCCTO staff use the admin)."""
    return registration_selectors.operator_for_user(user=request.user)


def _jst_seconds(instant) -> str:
    return timezone.localtime(instant, phases.JST).strftime("%Y-%m-%d %H:%M:%S")


def _row_form(auction, row, data=None) -> BidRowForm:
    bid = row.bid
    initial = {}
    if bid is not None:
        initial["version"] = bid.version
        if bid.status == BidStatus.ACTIVE:
            initial.update(quantity_kw=bid.quantity_kw, price_yen=bid.price_yen)
    form = BidRowForm(data, prefix=f"r{row.resource_id}", initial=initial, auction=auction,
                      expected_kw=row.expected_kw)
    for name in ("quantity_kw", "price_yen"):  # the accessible name of each cell's input: "<column>: <resource>"
        field = form.fields[name]
        field.widget.attrs["aria-label"] = f"{field.label}: {row.resource.name}"
    return form


def _accepted(request: HttpRequest, submission: BidSubmission) -> HttpResponse:
    if getattr(submission, "replayed", False):
        messages.info(request, _("This form was already accepted as receipt %(number)s; nothing more was stored. "
                                 "Reload the bid page to make further changes.")
                      % {"number": submission.receipt_number})
    else:
        messages.success(request, _("Accepted: receipt %(number)s at %(at)s JST.")
                         % {"number": submission.receipt_number, "at": _jst_seconds(submission.accepted_at)})
    return redirect("auctions:bid_receipt", pk=submission.pk)


def _check_valid_rows(auction, user, forms, rows) -> None:
    """When some rows are malformed, still show the rule errors of the others, so one save lists them all."""
    filled = [(form, row) for form, row in zip(forms, rows, strict=True) if form.is_valid() and not form.is_empty]
    entries = [bidding.BidEntry(row.resource_id, form.cleaned_data["quantity_kw"], form.cleaned_data["price_yen"])
               for form, row in filled]
    for error in bidding.check_entries(auction=auction, operator_id=user.operator_id, entries=entries):
        filled[error.index][0].add_error(error.field if error.field in ("quantity_kw", "price_yen") else None,
                                         error.message)


@login_required
@require_http_methods(["GET", "POST"])
def bid_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Every qualified resource of the operator in one table; one save stores every filled row, or nothing."""
    _operator(request)
    auction = selectors.auction_get(pk=pk)
    rows = bid_selectors.bid_rows_for_user(user=request.user, auction=auction)
    if request.method == "POST":
        key_form = SubmissionKeyForm(request.POST)
        forms = [_row_form(auction, row, request.POST) for row in rows]
        if not key_form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
            return redirect("auctions:bids", pk=auction.pk)
        if all([form.is_valid() for form in forms]):  # noqa: C419  (validate every row, not up to the first error)
            filled = [(form, row) for form, row in zip(forms, rows, strict=True) if not form.is_empty]
            entries = [bidding.BidEntry(row.resource_id, form.cleaned_data["quantity_kw"],
                                        form.cleaned_data["price_yen"], form.cleaned_data["version"])
                       for form, row in filled]
            try:
                submission = bidding.submit_bids(auction=auction, actor=request.user, entries=entries,
                                                 idempotency_key=key_form.cleaned_data["idempotency_key"])
            except bidding.BidsInvalid as exc:
                for error in exc.errors:
                    form = filled[error.index][0]
                    form.add_error(error.field if error.field in ("quantity_kw", "price_yen") else None,
                                   error.message)
                messages.error(request, exc.message)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return _accepted(request, submission)
        else:
            _check_valid_rows(auction, request.user, forms, rows)
            messages.error(request, _("Some rows have errors; nothing was saved. Correct them and save again."))
    else:
        key_form = SubmissionKeyForm(initial={"idempotency_key": uuid.uuid4()})
        forms = [_row_form(auction, row) for row in rows]
    state = auction.phase_state()
    qualification_selectors.with_ineligible_reasons(rows, auction=auction)
    qualified = {row.resource_id for row in rows}
    return render(request, "auctions/bids/bid_page.html", {
        "ineligible": [resource for resource in qualification_selectors.ineligible_resources_for_user(
            user=request.user, auction=auction) if resource.pk not in qualified],
        "auction": auction, "state": state, "rows": list(zip(rows, forms, strict=True)), "key_form": key_form,
        "max_price": bidding.max_price(auction), "closed_by_occto": auction.bids_closed_at is not None,
        "receipts": bid_selectors.receipts_for_user(user=request.user, auction=auction)[:RECEIPTS_SHOWN],
    })


def _withdraw_refusal(bid, auction) -> str | None:
    """Why the bid cannot be withdrawn now (already withdrawn, the window, OCCTO's close), or None."""
    if not bid.is_active:
        return _("This bid is already withdrawn.")
    return bidding.window_refusal(auction, timezone.now())


@login_required
@require_http_methods(["GET"])
def bid_detail(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    _operator(request)
    auction = selectors.auction_get(pk=pk)
    bid = bid_selectors.bid_get_for_user(user=request.user, auction=auction, pk=bid_pk)
    return render(request, "auctions/bids/bid_detail.html", {
        "auction": auction, "bid": bid, "versions": bid_selectors.bid_versions(bid=bid),
        "can_withdraw": _withdraw_refusal(bid, auction) is None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def bid_withdraw(request: HttpRequest, pk: int, bid_pk: int) -> HttpResponse:
    """GET: the confirmation page, or why the bid cannot be withdrawn now. POST (version and idempotency key):
    withdraw, then the receipt."""
    _operator(request)
    auction = selectors.auction_get(pk=pk)
    bid = bid_selectors.bid_get_for_user(user=request.user, auction=auction, pk=bid_pk)
    detail_url = reverse("auctions:bid_detail", kwargs={"pk": auction.pk, "bid_pk": bid.pk})
    if request.method == "POST":
        form = WithdrawBidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The form was incomplete; reload the page and try again."))
            return redirect(detail_url)
        try:
            submission = bidding.withdraw_bid(bid=bid, actor=request.user,
                                              expected_version=form.cleaned_data["version"],
                                              idempotency_key=form.cleaned_data["idempotency_key"])
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(detail_url)
        return _accepted(request, submission)
    refusal = _withdraw_refusal(bid, auction)
    form = None if refusal else WithdrawBidForm(initial={"version": bid.version, "idempotency_key": uuid.uuid4()})
    return render(request, "auctions/bids/bid_withdraw.html",
                  {"auction": auction, "bid": bid, "form": form, "refusal": refusal, "cancel_url": detail_url})


@login_required
@require_http_methods(["GET"])
def bid_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """受付票: the receipt number, the instant of acceptance (JST, to the second), the submitter and the bids."""
    _operator(request)
    submission = bid_selectors.receipt_get_for_user(user=request.user, pk=pk)
    return render(request, "auctions/bids/receipt.html", {
        "submission": submission, "auction": submission.auction,
        "versions": bid_selectors.receipt_versions(submission=submission),
    })


CSV_HEADERS = ("オークション", "応札ID", "系統コード", "電源等名称", "エリア", "電源等の区分", "状態", "応札容量(kW)",
               "応札価格(円/kW)", "バージョン", "受付番号", "更新日時(JST)")


@login_required
@require_http_methods(["GET"])
def bids_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator's own bids in the auction (UTF-8 with BOM)."""
    _operator(request)
    auction = selectors.auction_get(pk=pk)
    rows = ([auction.code, bid.bid_code, bid.resource.grid_code, bid.resource.name, bid.get_area_display(),
             bid.get_category_display(), bid.get_status_display(), bid.quantity_kw, bid.price_yen,
             bid.version, bid.submission.receipt_number, _jst_seconds(bid.updated_at)]
            for bid in bid_selectors.bids_for_user(user=request.user, auction=auction))
    return bulk_import.csv_response(f"bids_{auction.code}.csv", CSV_HEADERS, rows)


# --- bids by CSV ---------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def bid_import(request: HttpRequest, pk: int) -> HttpResponse:
    operator = _operator(request)
    auction = selectors.auction_get(pk=pk)
    return bulk_import.upload_page(request, spec=csv_format.SPEC, operator_id=operator.pk,
                                   template="auctions/bids/import.html",
                                   context={"auction": auction})


@login_required
@require_http_methods(["GET"])
def bid_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    auction = selectors.auction_get(pk=pk)
    rows = csv_format.SPEC.template_rows_for(
        auction=auction, rows=bid_selectors.bid_rows_for_user(user=request.user, auction=auction))
    return bulk_import.csv_response(f"bids_template_{auction.code}.csv", csv_format.HEADERS, rows)


@login_required
@require_http_methods(["GET", "POST"])
def bid_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page (bulk_import.job_page); confirming stores the whole file as one receipt."""
    job = bulk_import.job_get_for_user(spec=csv_format.SPEC, user=request.user, pk=pk)
    return bulk_import.job_page(
        request, job=job, template="auctions/bids/import_job.html",
        page_url=reverse("auctions:bid_import_job", kwargs={"pk": job.pk}),
        status_url=reverse("auctions:bid_import_status", kwargs={"pk": job.pk}),
        applications=BidSubmission.objects.filter(import_job=job).select_related("auction", "submitted_by"),
        done_message=_("%(count)s bid(s) of the file were accepted."),
    )


@login_required
@require_http_methods(["GET"])
def bid_import_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(bulk_import.status(bulk_import.job_get_for_user(spec=csv_format.SPEC, user=request.user, pk=pk)))
