"""OCCTO screens of clearing: short blocks, runs (start, progress, publish) and every bid's outcome with a CSV export."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from capacity_market.admin import OcctoAdminPermissions, area_column
from capacity_market.errors import DomainError
from capacity_market.numbers import number
from capacity_market.roles import is_occto_admin
from registration.choices import Area, ResourceCategory

from ..bidding.admin import FilteredCsvExportMixin
from ..clearing import services as clearing_service
from ..models import (
    ClearingOutcome,
    ClearingRun,
    ClearingRunStatus,
    ShortBlock,
)


class ParameterInline(OcctoAdminPermissions, admin.TabularInline):
    """An auction parameter edited inline on the auction's admin page (schedule's parameters, short blocks)."""

    deletable = True
    extra = 0


def _is_published(auction) -> bool:
    return bool(auction and auction.pk and ClearingRun.objects.filter(auction=auction,
                                                                      published_at__isnull=False).exists())


class ClearingInputInline(ParameterInline):
    """An auction parameter the clearing reads (short blocks, DR caps by area): editable by OCCTO administrators
    until a run of the auction is published, read-only afterwards (a published result is never re-cleared)."""

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


class ShortBlockInline(ClearingInputInline):
    """不足ブロック from the reliability analysis: editable by OCCTO administrators until a run is published.
    Areas are entered as codes separated by commas (e.g. "hokkaido,tohoku"); the engine's own checks run when a
    clearing is started."""

    model = ShortBlock
    fields = ("order", "name", "areas", "additional_kw", "adjacent")


class StartClearingForm(forms.Form):
    seed = forms.CharField(label=_("tie-break seed"), max_length=100, required=False,
                           help_text=_("Orders bids of equal price where it matters (DR cap, short blocks). Empty: "
                                       "the auction code and the run number."))


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
        return number(obj.bid_count)

    @admin.display(description=_("national price (yen/kW)"), ordering="national_price")
    def national_price_display(self, obj) -> str:
        return number(obj.national_price)

    @admin.display(description=_("awarded (kW)"), ordering="awarded_kw")
    def awarded_kw_display(self, obj) -> str:
        return number(obj.awarded_kw)

    @admin.display(description=_("total amount (yen)"), ordering="total_amount_yen")
    def total_amount_display(self, obj) -> str:
        return number(obj.total_amount_yen)
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
    list_display = ("run_label", "bid_code", "operator", "grid_code", "resource_name", "area_label", "category_display",
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
    area_label = area_column()

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
        return number(obj.quantity_kw)

    @admin.display(description=_("bid price (yen/kW)"), ordering="price_yen")
    def price_display(self, obj) -> str:
        return number(obj.price_yen)

    @admin.display(description=_("awarded (kW)"), ordering="awarded_kw")
    def awarded_display(self, obj) -> str:
        return number(obj.awarded_kw)

    @admin.display(description=_("paid price (yen/kW)"), ordering="paid_price")
    def paid_price_display(self, obj) -> str:
        return number(obj.paid_price)

    @admin.display(description=_("amount (yen)"), ordering="amount_yen")
    def amount_display(self, obj) -> str:
        return number(obj.amount_yen)

    def export_row(self, outcome) -> list:
        resource = outcome.bid.resource
        return [outcome.run_id, outcome.run.auction.code, outcome.bid.bid_code, outcome.operator.code,
                outcome.operator.name, resource.grid_code, resource.name, outcome.get_area_display(),
                _category_label(outcome.category), outcome.quantity_kw, outcome.price_yen, outcome.awarded_kw,
                "" if outcome.paid_price is None else outcome.paid_price, outcome.amount_yen,
                gettext("yes") if outcome.excluded_by_dr_cap else gettext("no")]
