"""OCCTO screens: auctions with their parameters (administrators edit, reviewers view), the expected-capacity
review queue, the approved expected capacities (read-only) and the sent reminders (read-only)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity_market import audit
from capacity_market.admin import AuditedAdminMixin, OcctoAdminPermissions, audit_values
from capacity_market.review_admin import ReviewQueueAdmin

from . import services
from .models import (
    AdjustmentFactor,
    Auction,
    ExpectedCapacity,
    ExpectedCapacityApplication,
    FixedSupplyItem,
    SentReminder,
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


CHILD_RELATIONS = ("fixed_supply_items", "adjustment_factors", "deduction_coefficients")


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
    inlines = (FixedSupplyItemInline, AdjustmentFactorInline, TransitionalDeductionCoefficientInline)
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


@admin.register(ExpectedCapacityApplication)
class ExpectedCapacityApplicationAdmin(ReviewQueueAdmin):
    approve_service = services.approve_expected_capacity_application
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
