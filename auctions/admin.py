"""OCCTO screens: auctions with their parameters and short blocks (administrators edit, reviewers view), the
clearing page of an auction (close the bids, start and follow clearing runs, publish one), the clearing runs with
every bid's outcome (award, paid price, amount), the bids and their receipts (read-only; the filtered bids and
outcomes download as CSV), the expected-capacity review queue, the approved expected capacities (read-only) and the
sent reminders (read-only).

Closing, clearing and publishing go through `auctions.clearing_service` (audited); only OCCTO administrators may
do them (403 for reviewers)."""

import csv
import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from capacity_market import audit
from capacity_market.admin import AuditedAdminMixin, OcctoAdminPermissions, audit_values
from capacity_market.bulk_import import safe_cell
from capacity_market.errors import DomainError
from capacity_market.review.admin import ReviewQueueAdmin
from capacity_market.roles import is_occto_admin
from registration.choices import Area, ResourceCategory

from . import clearing_service, services
from .models import (
    AdjustmentFactor,
    Auction,
    Bid,
    BidSubmission,
    BidVersion,
    ClearingOutcome,
    ClearingRun,
    ClearingRunStatus,
    ExpectedCapacity,
    ExpectedCapacityApplication,
    FixedSupplyItem,
    SentReminder,
    ShortBlock,
    TransitionalDeductionCoefficient,
)


class _ParameterInline(OcctoAdminPermissions, admin.TabularInline):
    deletable = True
    extra = 0


class FixedSupplyItemInline(_ParameterInline):
    model = FixedSupplyItem


class AdjustmentFactorInline(_ParameterInline):
    model = AdjustmentFactor


class TransitionalDeductionCoefficientInline(_ParameterInline):
    model = TransitionalDeductionCoefficient


def _is_published(auction) -> bool:
    return bool(auction and auction.pk and ClearingRun.objects.filter(auction=auction,
                                                                      published_at__isnull=False).exists())


class ShortBlockInline(_ParameterInline):
    """不足ブロック from the reliability analysis: editable by OCCTO administrators until a run is published.
    Areas are entered as codes separated by commas (e.g. "hokkaido,tohoku"); the engine's own checks run when a
    clearing is started."""

    model = ShortBlock
    fields = ("order", "name", "areas", "additional_kw", "adjacent")

    def _frozen(self, obj) -> bool:
        if not hasattr(self, "_published_cache"):
            self._published_cache = {}
        key = getattr(obj, "pk", None)
        if key not in self._published_cache:
            self._published_cache[key] = _is_published(obj)
        return self._published_cache[key]

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not self._frozen(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


CHILD_RELATIONS = ("fixed_supply_items", "adjustment_factors", "deduction_coefficients", "short_blocks")


def _children(auction: Auction) -> dict:
    return {name: [audit_values(row) for row in getattr(auction, name).order_by("pk")] for name in CHILD_RELATIONS}


@admin.register(Auction)
class AuctionAdmin(OcctoAdminPermissions, AuditedAdminMixin, admin.ModelAdmin):
    """OCCTO administrators create and edit auctions and their parameters; reviewers view them. Times are JST."""

    list_display = ("name", "kind", "delivery_fiscal_year", "registration_opens_at", "bid_closes_at",
                    "current_stage")
    list_filter = ("kind", "delivery_fiscal_year")
    search_fields = ("name",)
    readonly_fields = ("upper_price_display", "current_stage")
    inlines = (FixedSupplyItemInline, AdjustmentFactorInline, TransitionalDeductionCoefficientInline,
               ShortBlockInline)
    change_form_template = "admin/auctions/auction/change_form.html"
    fieldsets = (
        (None, {"fields": ("kind", "delivery_fiscal_year", "name", "current_stage")}),
        (_("Schedule (JST)"), {"fields": ("registration_opens_at", "expected_capacity_deadline",
                                          "registration_closes_at", "bid_opens_at", "bid_closes_at", "clearing_at",
                                          "publication_at", "contract_conclusion_at")}),
        (_("Demand curve"), {"fields": ("net_cone", "upper_price_display", "q_upper_kw", "target_kw", "q_zero_kw",
                                        "dr_cap_kw")}),
    )

    @admin.display(description=_("upper price (1.5 × Net CONE, yen/kW)"))
    def upper_price_display(self, obj) -> str:
        return str(obj.upper_price) if obj and obj.pk else "—"

    @admin.display(description=_("stage now"))
    def current_stage(self, obj) -> str:
        if not obj or not obj.pk:
            return "—"
        return obj.phase_state(timezone.now(), service_open=True).stage_label

    def save_related(self, request, form, formsets, change):
        """Inline parameter rows are audited too: one entry with every child table before and after."""
        auction = form.instance
        before = _children(auction) if change else None
        super().save_related(request, form, formsets, change)
        after = _children(auction)
        if before != after:
            audit.record(action="admin.change.auctions.auction_parameters", actor=request.user, target=auction,
                         before=before, after=after)

    # --- clearing (約定処理): a page of its own, linked from the change page ----------------------------------------
    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/clearing/", view(self.clearing_view), name=f"{info}_clearing"),
            path("<path:object_id>/clearing/input.json", view(require_GET(self.clearing_input_view)),
                 name=f"{info}_clearing_input"),
            *super().get_urls(),
        ]

    def _auction_or_404(self, request, object_id) -> Auction:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            auction = self.get_object(request, unquote(object_id))
        except (ValueError, OverflowError):
            auction = None
        if auction is None:
            raise Http404
        return auction

    def clearing_view(self, request, object_id):
        """GET: the auction's clearing state and runs; POST (administrators): close the bids or start a run."""
        auction = self._auction_or_404(request, object_id)
        page = reverse("admin:auctions_auction_clearing", args=[auction.pk])
        can_manage = is_occto_admin(request.user)
        if request.method == "POST":
            if not can_manage:
                raise PermissionDenied
            form = StartClearingForm(request.POST)
            action = request.POST.get("action")
            try:
                if action == "close":
                    clearing_service.close_bids(auction=auction, actor=request.user)
                    self.message_user(request, gettext("The bids are closed."), messages.SUCCESS)
                elif action == "start" and form.is_valid():
                    run = clearing_service.start_clearing(auction=auction, actor=request.user,
                                                          seed=form.cleaned_data["seed"])
                    run.refresh_from_db()  # a worker (or eager Celery) may have finished it already
                    if run.status == ClearingRunStatus.SUCCEEDED:
                        self.message_user(request, gettext("Clearing run #%(id)s finished: national price %(price)s "
                                                           "yen/kW.") % {"id": run.pk,
                                                                         "price": intcomma(run.national_price)},
                                          messages.SUCCESS)
                    elif run.status == ClearingRunStatus.FAILED:
                        self.message_user(request, gettext("Clearing run #%(id)s failed: %(error)s")
                                          % {"id": run.pk, "error": run.error}, messages.ERROR)
                    else:
                        self.message_user(request, gettext("Clearing run #%(id)s was queued.") % {"id": run.pk},
                                          messages.SUCCESS)
                elif action == "start":
                    self.message_user(request, " ".join(e for errors in form.errors.values() for e in errors),
                                      messages.ERROR)
                elif action == "abandon" and re.fullmatch(r"[0-9]{1,18}", request.POST.get("run", "")):
                    run = auction.clearing_runs.filter(pk=int(request.POST["run"])).first()
                    if run is None:
                        raise Http404
                    clearing_service.abandon_run(run=run, actor=request.user)
                    self.message_user(request, gettext("Clearing run #%(id)s was marked failed.") % {"id": run.pk},
                                      messages.SUCCESS)
                else:
                    self.message_user(request, gettext("Choose an action."), messages.ERROR)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(page)
        runs = list(auction.clearing_runs.select_related("started_by", "published_by").order_by("-created_at", "-pk"))
        now = timezone.now()
        published = next((run for run in runs if run.is_published), None)
        unfinished = [run for run in runs if run.status in (ClearingRunStatus.QUEUED, ClearingRunStatus.RUNNING)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": auction,
            "auction": auction,
            "title": gettext("Clearing: %(auction)s") % {"auction": auction},
            "runs": runs,
            "published": published,
            "can_manage": can_manage,
            "window_closed": now >= auction.bid_closes_at,
            "can_close": can_manage and auction.bids_closed_at is None and now >= auction.bid_closes_at,
            "can_start": can_manage and auction.bids_closed_at is not None and published is None and not unfinished,
            "unfinished": unfinished,
            "active_bids": Bid.objects.filter(auction=auction, status="active").count(),
            "short_blocks": list(auction.short_blocks.order_by("order", "pk")),
            "form": StartClearingForm(initial={"seed": clearing_service.default_seed(auction)}),
            "default_seed": clearing_service.default_seed(auction),
        }
        return TemplateResponse(request, "admin/auctions/auction/clearing.html", context)

    def clearing_input_view(self, request, object_id):
        """The clearing input as a clearing-format JSON file (for `manage.py clear_auction`). `?run=<id>`: the
        input of that run (rebuilt from what it stored: its parameters, seed and every bid's outcome, so it replays
        exactly); otherwise today's input with the next run's seed."""
        auction = self._auction_or_404(request, object_id)
        run_id = request.GET.get("run", "")
        try:
            if run_id:
                if not re.fullmatch(r"[0-9]{1,18}", run_id):
                    raise Http404
                run = ClearingRun.objects.filter(auction=auction, pk=int(run_id)).first()
                if run is None:
                    raise Http404
                text = clearing_service.export_run_input(run=run)
                name = f"clearing-input-{auction.code}-run{run.pk}.json"
            else:
                text = clearing_service.export_input(auction=auction, seed=clearing_service.default_seed(auction))
                name = f"clearing-input-{auction.code}.json"
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:auctions_auction_clearing", args=[auction.pk]))
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class StartClearingForm(forms.Form):
    seed = forms.CharField(label=_("tie-break seed"), max_length=100, required=False,
                           help_text=_("Orders bids of equal price where it matters (DR cap, short blocks). Empty: "
                                       "the auction code and the run number."))


@admin.register(ExpectedCapacityApplication)
class ExpectedCapacityApplicationAdmin(ReviewQueueAdmin):
    application_type = services.expected_capacity_applications
    queue_relations = ("operator", "auction", "resource")
    search_fields = ("resource__grid_code", "resource__name", "operator__code", "operator__name")


@admin.register(ExpectedCapacity)
class ExpectedCapacityAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """The participation qualifications, changed only through applications."""

    editable = False
    list_display = ("resource", "auction", "expected_kw", "adjustment_factor", "approved_at")
    list_filter = ("auction",)
    list_select_related = ("resource", "auction")
    search_fields = ("resource__grid_code", "resource__name")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(SentReminder)
class SentReminderAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    editable = False
    list_display = ("auction", "deadline", "deadline_at", "sent_at", "recipient_count")
    list_filter = ("deadline",)
    list_select_related = ("auction",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


# --- clearing runs ----------------------------------------------------------------------------------------------------
@admin.register(ClearingRun)
class ClearingRunAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Every clearing run, read-only: its input, prices, totals and a summary of its outcomes. Publishing one is a
    confirmed step of its own (OCCTO administrators)."""

    editable = False
    list_display = ("run_label", "auction", "status", "progress", "tie_break_seed", "bid_count_display",
                    "national_price_display", "awarded_kw_display", "total_amount_display", "created_at",
                    "started_by", "published_at")
    list_filter = ("auction", "status")
    list_select_related = ("auction", "started_by")

    @admin.display(description=_("clearing run"), ordering="pk")
    def run_label(self, obj) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("bids"), ordering="bid_count")
    def bid_count_display(self, obj) -> str:
        return intcomma(obj.bid_count)

    @admin.display(description=_("national price (yen/kW)"), ordering="national_price")
    def national_price_display(self, obj) -> str:
        return intcomma(obj.national_price) if obj.national_price is not None else "—"

    @admin.display(description=_("awarded (kW)"), ordering="awarded_kw")
    def awarded_kw_display(self, obj) -> str:
        return intcomma(obj.awarded_kw) if obj.awarded_kw is not None else "—"

    @admin.display(description=_("total amount (yen)"), ordering="total_amount_yen")
    def total_amount_display(self, obj) -> str:
        return intcomma(obj.total_amount_yen) if obj.total_amount_yen is not None else "—"
    change_form_template = "admin/auctions/clearingrun/change_form.html"
    fields = ("auction", "status", "progress", "step_display", "tie_break_seed", "bid_count", "national_price",
              "awarded_kw", "total_amount_yen", "error", "started_by", "created_at", "started_at", "finished_at",
              "published_at", "published_by", "input_display")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("auction", "started_by", "published_by")

    @admin.display(description=_("step"))
    def step_display(self, obj) -> str:
        """The step in the reader's language (stored as its untranslated message ID)."""
        return gettext(obj.progress_label) if obj and obj.progress_label else ""

    @admin.display(description=_("input"))
    def input_display(self, obj) -> str:
        return json.dumps(obj.input_summary, ensure_ascii=False, indent=1) if obj else ""

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/status.json", view(require_GET(self.status_view)), name=f"{info}_status"),
            path("<path:object_id>/publish/", view(self.publish_view), name=f"{info}_publish"),
            *super().get_urls(),
        ]

    def _run_or_404(self, request, object_id) -> ClearingRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            run = self.get_object(request, unquote(object_id))
        except (ValueError, OverflowError):
            run = None
        if run is None:
            raise Http404
        return run

    def status_view(self, request, object_id):
        """The run's state as JSON, for the progress poller of the clearing page."""
        return JsonResponse(clearing_service.run_status(self._run_or_404(request, object_id)))

    def publish_view(self, request, object_id):
        """GET: what publishing shows to operators, to confirm; POST: publish (OCCTO administrators)."""
        if not is_occto_admin(request.user):
            raise PermissionDenied
        run = self._run_or_404(request, object_id)
        if request.method == "POST":
            try:
                clearing_service.publish_run(run=run, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, gettext("Clearing run #%(id)s is published to operators.") % {"id": run.pk},
                                  messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:auctions_auction_clearing", args=[run.auction_id]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": run,
            "run": run,
            "title": gettext("Publish clearing run #%(id)s") % {"id": run.pk},
            "summary": outcome_summary(run),
            "area_prices": area_price_rows(run),
            "other_runs": ClearingRun.objects.filter(auction_id=run.auction_id).exclude(pk=run.pk).count(),
        }
        return TemplateResponse(request, "admin/auctions/clearingrun/publish_confirmation.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self._run_or_404(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_publish": (is_occto_admin(request.user) and run.status == ClearingRunStatus.SUCCEEDED
                            and not ClearingRun.objects.filter(auction_id=run.auction_id,
                                                               published_at__isnull=False).exists()),
            "area_prices": area_price_rows(run),
            "summary": outcome_summary(run),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra_context)


def area_price_rows(run: ClearingRun) -> list[tuple[str, int | None]]:
    """(area label, price) for the nine areas, in the engine's order."""
    prices = run.area_prices or {}
    return [(label, prices.get(code)) for code, label in Area.choices]


def outcome_summary(run: ClearingRun) -> dict:
    """Counts and kW of the run's outcomes: awarded, not awarded, excluded by the DR cap; awarded kW by area and
    category (one aggregate query each). Every single outcome is in the clearing-outcome admin (`run_id`)."""
    totals = ClearingOutcome.objects.filter(run=run).aggregate(
        bids=Count("pk"), awarded=Count("pk", filter=Q(awarded_kw__gt=0)),
        excluded=Count("pk", filter=Q(excluded_by_dr_cap=True)), awarded_kw=Sum("awarded_kw"),
        amount=Sum("amount_yen"))
    by_cell = {
        (row["area"], row["category"]): row
        for row in ClearingOutcome.objects.filter(run=run, awarded_kw__gt=0).values("area", "category")
        .annotate(kw=Sum("awarded_kw"), amount=Sum("amount_yen"), count=Count("pk"))
    }
    categories = list(ResourceCategory.choices)
    rows = []
    for code, label in Area.choices:
        cells = [by_cell.get((code, category), {}).get("kw") or 0 for category, _label in categories]
        rows.append({"area": label, "cells": cells, "total": sum(cells)})
    return {
        "run_id": run.pk, "bids": totals["bids"], "awarded": totals["awarded"], "excluded": totals["excluded"],
        "not_awarded": totals["bids"] - totals["awarded"], "awarded_kw": totals["awarded_kw"] or 0,
        "amount": totals["amount"] or 0, "categories": [label for _code, label in categories], "rows": rows,
        "category_totals": [sum(row["cells"][i] for row in rows) for i in range(len(categories))],
    }


# --- bids (応札) and receipts: read-only for everyone -------------------------------------------------------------------
class BidVersionInline(OcctoAdminPermissions, admin.TabularInline):
    model = BidVersion
    editable = False
    extra = 0
    can_delete = False
    fields = ("version", "action", "status", "quantity_kw", "price_yen", "submission", "created_at", "created_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submission", "created_by")


BID_CSV_HEADER = (_("bid ID"), _("auction"), _("operator code"), _("operator"), _("grid code"), _("resource name"),
                  _("area"), _("category"), _("quantity (kW)"), _("price (yen/kW)"), _("status"), _("version"),
                  _("latest receipt"), _("updated at"))


class _Echo:
    def write(self, value):
        return value


class FilteredCsvExportMixin:
    """`export.csv` (URL name `<app>_<model>_export`) for a read-only list: the rows as filtered and searched now,
    streamed row by row as CSV (UTF-8 with BOM, formula-leading cells escaped), in the reader's language.
    A subclass sets `export_header`, `export_filename`, `export_related`, `export_ordering` and `export_row(obj)`."""

    export_header: tuple = ()
    export_filename = "export.csv"
    export_related: tuple = ()
    export_ordering: tuple = ("pk",)

    def export_row(self, obj) -> list:
        raise NotImplementedError

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export.csv", self.admin_site.admin_view(require_GET(self.export_view)), name=f"{info}_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            info = f"{self.opts.app_label}_{self.opts.model_name}"
            return HttpResponseRedirect(reverse(f"admin:{info}_changelist") + "?e=1")
        queryset = (changelist.get_queryset(request).select_related(*self.export_related)
                    .order_by(*self.export_ordering))
        language = translation.get_language()  # the rows are written after the view has returned

        def rows():
            with translation.override(language):
                writer = csv.writer(_Echo(), lineterminator="\r\n")
                yield "\ufeff" + writer.writerow([safe_cell(str(h)) for h in self.export_header])
                for obj in queryset.iterator(chunk_size=2000):
                    yield writer.writerow([safe_cell(v) for v in self.export_row(obj)])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename}"'
        return response


@admin.register(Bid)
class BidAdmin(FilteredCsvExportMixin, OcctoAdminPermissions, admin.ModelAdmin):
    """Every operator's bids, read-only, with their versions; the filtered list downloads as CSV."""

    editable = False
    list_display = ("bid_code", "auction_code", "operator", "grid_code", "resource_name", "area", "category",
                    "quantity_kw", "price_yen", "status", "version", "updated_at")
    list_filter = ("auction", "status", "area", "category", "operator")  # as bid: the snapshot at acceptance
    list_select_related = ("auction", "operator", "resource")
    search_fields = ("resource__grid_code", "operator__name")
    search_help_text = _("Search by grid code or operator name.")
    show_full_result_count = False
    change_list_template = "admin/auctions/bid/change_list.html"
    fields = ("auction", "operator", "resource", "area", "category", "status", "quantity_kw", "price_yen", "version",
              "submission", "created_at", "updated_at")
    readonly_fields = fields
    inlines = (BidVersionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("auction", "operator", "resource", "submission")

    @admin.display(description=_("bid ID"), ordering="pk")
    def bid_code(self, obj) -> str:
        return obj.bid_code

    @admin.display(description=_("auction"), ordering="auction__delivery_fiscal_year")
    def auction_code(self, obj) -> str:
        """The short code ("main-2030"): the list has many columns; the filter names the auctions in full."""
        return obj.auction.code

    @admin.display(description=_("grid code"), ordering="resource__grid_code")
    def grid_code(self, obj) -> str:
        return obj.resource.grid_code

    @admin.display(description=_("resource name"))
    def resource_name(self, obj) -> str:
        return obj.resource.name

    export_header = BID_CSV_HEADER
    export_filename = "bids.csv"
    export_related = ("auction", "operator", "resource", "submission")
    export_ordering = ("auction_id", "resource__grid_code", "pk")

    def export_row(self, bid) -> list:
        resource = bid.resource
        return [bid.bid_code, bid.auction.code, bid.operator.code, bid.operator.name, resource.grid_code,
                resource.name, bid.get_area_display(), bid.get_category_display(), bid.quantity_kw,
                bid.price_yen, bid.get_status_display(), bid.version, bid.submission.receipt_number,
                timezone.localtime(bid.updated_at).strftime("%Y-%m-%d %H:%M:%S")]


@admin.register(BidSubmission)
class BidSubmissionAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Every accepted bid submission (受付), read-only."""

    editable = False
    list_display = ("receipt_number", "auction", "operator", "submitted_by", "source", "bid_count", "accepted_at")
    list_filter = ("auction", "source", "operator")
    list_select_related = ("auction", "operator", "submitted_by")
    search_fields = ("operator__name", "operator__code")
    fields = ("auction", "operator", "submitted_by", "source", "bid_count", "accepted_at", "idempotency_key",
              "import_job")
    readonly_fields = fields

    @admin.display(description=_("receipt number"), ordering="pk")
    def receipt_number(self, obj) -> str:
        return obj.receipt_number


# --- every bid's outcome in a clearing run (約定結果): read-only, for checking a run before it is published ---------------
class RunListFilter(admin.RelatedFieldListFilter):
    """The runs with their auctions in one query (a run's name is its auction's and its number)."""

    def field_choices(self, field, request, model_admin):
        return [(run.pk, str(run)) for run in ClearingRun.objects.select_related("auction").order_by("-pk")]


class CategoryListFilter(admin.SimpleListFilter):
    """The category copied into the outcome, by its label (the copied field has no choices of its own)."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return ResourceCategory.choices

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class AwardedListFilter(admin.SimpleListFilter):
    title = _("awarded")
    parameter_name = "awarded"

    def lookups(self, request, model_admin):
        return (("yes", _("awarded")), ("no", _("not awarded")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(awarded_kw__gt=0)
        if self.value() == "no":
            return queryset.filter(awarded_kw=0)
        return queryset


OUTCOME_CSV_HEADER = (_("clearing run"), _("auction"), _("bid ID"), _("operator code"), _("operator"),
                      _("grid code"), _("resource name"), _("area"), _("category"), _("bid quantity (kW)"),
                      _("bid price (yen/kW)"), _("awarded (kW)"), _("paid price (yen/kW)"), _("amount (yen)"),
                      _("excluded by the DR cap"))


def _category_label(code: str) -> str:
    return str(dict(ResourceCategory.choices).get(code, code))


@admin.register(ClearingOutcome)
class ClearingOutcomeAdmin(FilteredCsvExportMixin, OcctoAdminPermissions, admin.ModelAdmin):
    """Every bid's outcome of every clearing run, read-only: what the auditor checks before a run is published
    (award, paid price, amount, DR-cap exclusion, with the bid's values at the clearing). The filtered list
    downloads as CSV. Linked from the run's page and from the clearing page's runs."""

    editable = False
    list_display = ("run_label", "bid_code", "operator", "grid_code", "resource_name", "area", "category_display",
                    "quantity_display", "price_display", "awarded_display", "paid_price_display", "amount_display",
                    "excluded_by_dr_cap")
    list_filter = (("run", RunListFilter), "run__auction", "operator", "area", CategoryListFilter,
                   AwardedListFilter, "excluded_by_dr_cap")
    list_select_related = ("run", "bid__resource", "operator")
    search_fields = ("bid__resource__grid_code", "operator__name")
    search_help_text = _("Search by grid code or operator name.")
    show_full_result_count = False
    change_list_template = "admin/auctions/clearingoutcome/change_list.html"
    fields = ("run", "bid", "operator", "area", "category_display", "quantity_kw", "price_yen", "awarded_kw",
              "paid_price", "amount_yen", "excluded_by_dr_cap")
    readonly_fields = fields

    export_header = OUTCOME_CSV_HEADER
    export_filename = "clearing-outcomes.csv"
    export_related = ("run__auction", "bid__resource", "operator")
    export_ordering = ("run_id", "bid__resource__grid_code", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run__auction", "bid__resource", "operator")

    @admin.display(description=_("clearing run"), ordering="run_id")
    def run_label(self, obj) -> str:
        return f"#{obj.run_id}"

    @admin.display(description=_("bid ID"), ordering="bid_id")
    def bid_code(self, obj) -> str:
        return obj.bid.bid_code

    @admin.display(description=_("grid code"), ordering="bid__resource__grid_code")
    def grid_code(self, obj) -> str:
        return obj.bid.resource.grid_code

    @admin.display(description=_("resource name"))
    def resource_name(self, obj) -> str:
        return obj.bid.resource.name

    @admin.display(description=_("category"), ordering="category")
    def category_display(self, obj) -> str:
        return _category_label(obj.category) if obj else ""

    @admin.display(description=_("bid quantity (kW)"), ordering="quantity_kw")
    def quantity_display(self, obj) -> str:
        return intcomma(obj.quantity_kw)

    @admin.display(description=_("bid price (yen/kW)"), ordering="price_yen")
    def price_display(self, obj) -> str:
        return intcomma(obj.price_yen)

    @admin.display(description=_("awarded (kW)"), ordering="awarded_kw")
    def awarded_display(self, obj) -> str:
        return intcomma(obj.awarded_kw)

    @admin.display(description=_("paid price (yen/kW)"), ordering="paid_price")
    def paid_price_display(self, obj) -> str:
        return intcomma(obj.paid_price) if obj.paid_price is not None else "—"

    @admin.display(description=_("amount (yen)"), ordering="amount_yen")
    def amount_display(self, obj) -> str:
        return intcomma(obj.amount_yen)

    def export_row(self, outcome) -> list:
        resource = outcome.bid.resource
        return [outcome.run_id, outcome.run.auction.code, outcome.bid.bid_code, outcome.operator.code,
                outcome.operator.name, resource.grid_code, resource.name, outcome.get_area_display(),
                _category_label(outcome.category), outcome.quantity_kw, outcome.price_yen, outcome.awarded_kw,
                "" if outcome.paid_price is None else outcome.paid_price, outcome.amount_yen,
                gettext("yes") if outcome.excluded_by_dr_cap else gettext("no")]
