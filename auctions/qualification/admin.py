"""OCCTO screens of expected capacity: the review queue of applications and the approved qualifications."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from capacity_market import numbers
from capacity_market.admin import OcctoAdminPermissions
from capacity_market.review import ApplicationKind
from capacity_market.review.admin import ReviewQueueAdmin

from ..models import (
    ExpectedCapacity,
    ExpectedCapacityApplication,
)
from . import services


@admin.register(ExpectedCapacityApplication)
class ExpectedCapacityApplicationAdmin(ReviewQueueAdmin):
    """The queue shows what a reviewer picks by: the auction, the resource (name and grid code), its area and
    category, the kW applied for with the installed kW (and the approved value a change replaces)."""

    application_type = services.expected_capacity_applications
    queue_relations = ("operator", "auction", "resource")
    search_fields = ("resource__grid_code", "resource__name", "operator__code", "operator__name")
    list_display = ("application_label", "status_badge", "kind", "auction", "resource_label", "resource_area",
                    "resource_category", "expected_kw_column", "applicant", "submitted")

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), "resource__area", "resource__category")

    def get_queryset(self, request):
        """The approved expected capacity a change would replace, as a subquery (no query per row)."""
        approved = ExpectedCapacity.objects.filter(resource_id=OuterRef("resource_id"), auction_id=OuterRef("auction_id"))
        return super().get_queryset(request).annotate(approved_kw=Subquery(approved.values("expected_kw")[:1]))

    @admin.display(description=_("resource"), ordering="resource__name")
    def resource_label(self, obj):
        return format_html('{}<br><span class="grid-code quiet">{}</span>', obj.resource.name, obj.resource.grid_code)

    @admin.display(description=_("area"), ordering="resource__area")
    def resource_area(self, obj) -> str:
        return obj.resource.get_area_display()

    @admin.display(description=_("category"), ordering="resource__category")
    def resource_category(self, obj) -> str:
        return obj.resource.get_category_display()

    @admin.display(description=_("expected capacity (kW)"), ordering="expected_kw")
    def expected_kw_column(self, obj):
        """The kW applied for, with the installed kW under it (and the approved value a change replaces)."""
        lines = [gettext("installed %(kw)s") % {"kw": numbers.number(obj.installed_kw)}]
        if obj.kind == ApplicationKind.CHANGE and obj.approved_kw is not None:
            lines.append(gettext("now %(kw)s") % {"kw": numbers.number(obj.approved_kw)})
        return format_html('<strong>{}</strong>{}', numbers.number(obj.expected_kw),
                           format_html_join("", '<br><span class="quiet">{}</span>', ((line,) for line in lines)))

    def detail_rows(self, obj) -> list[tuple[str, str]]:
        """The auction's threshold as it is now, and, for an application awaiting a decision that approval would
        refuse (below the threshold; in an additional auction, a winner of the main auction), why it cannot be
        approved (approval re-checks both; the reviewer returns or rejects the application instead)."""
        rows = [*super().detail_rows(obj),
                (gettext("threshold of the auction (kW)"), numbers.number(obj.auction.threshold_kw))]
        if obj.is_awaiting_decision:
            refusals = [services.approval_threshold_refusal(obj),
                        services.participation_refusal(auction=obj.auction, resource=obj.resource)]
            rows += [(gettext("cannot be approved"), str(refusal)) for refusal in refusals if refusal is not None]
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
