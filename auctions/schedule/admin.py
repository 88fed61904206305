"""OCCTO screens of auctions: the auction with its parameters, the clearing page, and the reminders sent."""

import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from capacity_market import audit
from capacity_market.admin import AuditedAdminMixin, OcctoAdminPermissions, audit_values
from capacity_market.errors import DomainError
from capacity_market.market_codes import AREAS
from capacity_market.numbers import number
from capacity_market.roles import is_occto_admin
from registration.choices import Area

from ..clearing import services as clearing_service
from ..clearing.admin import ClearingInputInline, ParameterInline, ShortBlockInline, StartClearingForm
from ..models import (
    AdjustmentFactor,
    AreaDrCap,
    Auction,
    AuctionKind,
    Bid,
    ClearingRun,
    ClearingRunStatus,
    FixedSupplyItem,
    SentReminder,
    TransitionalDeductionCoefficient,
)
from .models import adjustment_factor_order


class FixedSupplyItemInline(ParameterInline):
    model = FixedSupplyItem


class AdjustmentFactorInline(ParameterInline):
    model = AdjustmentFactor

    def get_queryset(self, request):
        return super().get_queryset(request).order_by(*adjustment_factor_order())


class TransitionalDeductionCoefficientInline(ParameterInline):
    model = TransitionalDeductionCoefficient


class AreaDrCapFormSet(BaseInlineFormSet):
    """DR caps by area are a parameter of additional auctions only (clearing-format.md `dr_caps_kw_by_area`)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        if kept and self.instance.kind != AuctionKind.ADDITIONAL:
            raise ValidationError(
                _("DR caps by area are a parameter of additional auctions only. Delete them, or make this auction "
                  "an additional auction."), code="not_additional")


class AreaDrCapInline(ClearingInputInline):
    """追加オークションのエリア別DR上限 (each area's H3 × 1 %, Hokkaido excluded), entered by OCCTO: the clearing excludes
    an area's dispatch bids over its cap after the national DR cap. Areas listed 北海道 → 九州, without Hokkaido."""

    model = AreaDrCap
    formset = AreaDrCapFormSet
    fields = ("area", "cap_kw")
    verbose_name_plural = _("DR caps by area (additional auctions only; Hokkaido has none)")

    def get_queryset(self, request):
        order = Case(*[When(area=area, then=Value(i)) for i, area in enumerate(AREAS)], output_field=IntegerField())
        return super().get_queryset(request).alias(area_order=order).order_by("area_order", "pk")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["choices"] = [("", "---------"), *[(code, label) for code, label in Area.choices
                                                      if code != "hokkaido"]]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


CHILD_RELATIONS = ("fixed_supply_items", "adjustment_factors", "deduction_coefficients", "short_blocks",
                   "area_dr_caps")


def _children(auction: Auction) -> dict:
    return {name: [audit_values(row) for row in getattr(auction, name).order_by("pk")] for name in CHILD_RELATIONS}


@admin.register(Auction)
class AuctionAdmin(OcctoAdminPermissions, AuditedAdminMixin, admin.ModelAdmin):
    """OCCTO administrators create and edit auctions and their parameters; reviewers view them. Times are JST."""

    list_display = ("display_name", "kind", "delivery_fiscal_year", "registration_opens_at", "bid_closes_at",
                    "current_stage")
    list_filter = ("kind", "delivery_fiscal_year")
    search_fields = ("name",)
    readonly_fields = ("display_name", "upper_price_display", "current_stage")
    inlines = (FixedSupplyItemInline, AdjustmentFactorInline, TransitionalDeductionCoefficientInline,
               ShortBlockInline, AreaDrCapInline)
    change_form_template = "admin/auctions/auction/change_form.html"
    fieldsets = (
        # The name is built from kind and delivery year (`Auction.display_name`), in the reader's language.
        (None, {"fields": ("kind", "delivery_fiscal_year", "display_name", "current_stage")}),
        (_("Schedule (JST)"), {"fields": ("registration_opens_at", "expected_capacity_deadline",
                                          "registration_closes_at", "bid_opens_at", "bid_closes_at", "clearing_at",
                                          "publication_at", "contract_conclusion_at")}),
        (_("Participation and bids"), {
            "fields": ("threshold_kw", "min_bid_kw"),
            "description": _("Both apply when an operator applies or bids, and the threshold again when an "
                             "expected-capacity application is approved: after a change, an open application below "
                             "the new threshold cannot be approved (return or reject it). Approved expected "
                             "capacities and stored bids stay as they are; a bid changed later must meet the new "
                             "smallest bid."),
        }),
        (_("Demand curve"), {"fields": ("net_cone", "upper_price_display", "q_upper_kw", "target_kw", "q_zero_kw",
                                        "dr_cap_kw")}),
    )

    @admin.display(description=_("name"), ordering="delivery_fiscal_year")
    def display_name(self, obj) -> str:
        return obj.display_name if obj and obj.pk else "—"

    @admin.display(description=_("upper price (1.5 × Net CONE, yen/kW)"))
    def upper_price_display(self, obj) -> str:
        return number(obj.upper_price) if obj and obj.pk else "—"

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
                                                                         "price": number(run.national_price)},
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


@admin.register(SentReminder)
class SentReminderAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    editable = False
    list_display = ("auction", "deadline", "deadline_at", "sent_at", "recipient_count")
    list_filter = ("deadline",)
    list_select_related = ("auction",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
