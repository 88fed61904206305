"""OCCTO screens of expected capacity: the review queue of applications and the approved qualifications."""

from django.contrib import admin
from django.utils.translation import gettext

from capacity_market.admin import OcctoAdminPermissions
from capacity_market.review.admin import ReviewQueueAdmin

from ..models import (
    ExpectedCapacity,
    ExpectedCapacityApplication,
)
from . import services


@admin.register(ExpectedCapacityApplication)
class ExpectedCapacityApplicationAdmin(ReviewQueueAdmin):
    application_type = services.expected_capacity_applications
    queue_relations = ("operator", "auction", "resource")
    search_fields = ("resource__grid_code", "resource__name", "operator__code", "operator__name")

    def detail_rows(self, obj) -> list[tuple[str, str]]:
        """The auction's threshold as it is now, and, for an application awaiting a decision below it, why it
        cannot be approved (approval re-checks it; the reviewer returns or rejects the application instead)."""
        rows = [*super().detail_rows(obj),
                (gettext("threshold of the auction (kW)"), f"{obj.auction.threshold_kw:,}")]
        if obj.is_awaiting_decision and (refusal := services.approval_threshold_refusal(obj)) is not None:
            rows.append((gettext("cannot be approved"), refusal))
        return rows


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
