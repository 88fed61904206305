"""OCCTO screens for operator information: the operator-application review queue and read-only operators."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from capacity_market import numbers
from capacity_market.admin import OcctoAdminPermissions, area_column
from capacity_market.review.admin import ReviewQueueAdmin

from . import services
from .models import (
    Operator,
    OperatorApplication,
    Resource,
    ResourceApplication,
    ResourceUnit,
)

# Refusals of the bulk approval shown as messages; more would bury the page (the refused ones stay as they were).
REFUSALS_SHOWN = 50


@admin.register(OperatorApplication)
class OperatorApplicationAdmin(ReviewQueueAdmin):
    """The queue shows the operator (or the use applicant), the name applied for and what a change changes."""

    application_type = services.operator_applications
    search_fields = ("code", "name", "name_kana", "applicant_email", "admin_login_id", "operator__code")
    list_display = ("application_label", "status_badge", "kind", "applicant", "name", "changed_items",
                    "submitted")

    @admin.display(description=_("operator / applicant"))
    def applicant(self, obj) -> str:
        if obj.operator_id is not None:
            return str(obj.operator)
        return f"{obj.code} {obj.name} <{obj.applicant_email}>"  # the 事業者コード applied for, then who applied


@admin.register(Operator)
class OperatorAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Operators are changed only through applications; OCCTO staff read them here."""

    editable = False

    list_display = ("code", "name", "licences", "contact_name", "contact_email", "is_active", "deleted_at")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_kana")

    def get_fields(self, request, obj=None):
        # Licences by their names, not their codes (an ArrayField of choices shows raw codes read-only).
        return [("licences" if f.name == "licence_types" else f.name) for f in self.model._meta.fields
                if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("licences held"))
    def licences(self, obj) -> str:
        return obj.display_value("licence_types")



@admin.register(ResourceApplication)
class ResourceApplicationAdmin(ReviewQueueAdmin):
    """The OCCTO queue of resource applications: current and proposed values (units included) side by side."""

    application_type = services.resource_applications
    search_fields = ("grid_code", "name", "operator__code", "operator__name")
    list_display = ("application_label", "status_badge", "kind", "applicant", "resource_label", "area", "category",
                    "installed_kw_column", "changed_items", "submitted")

    actions = ("start_review_selected", "approve_selected")

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), "category", "area")

    @admin.display(description=_("resource"), ordering="name")
    def resource_label(self, obj):
        """The name applied for, with the grid code under it."""
        return format_html('{}<br><span class="grid-code quiet">{}</span>', obj.name, obj.grid_code)

    @admin.display(description=_("installed capacity (kW)"), ordering="installed_kw")
    def installed_kw_column(self, obj) -> str:
        return numbers.number(obj.installed_kw)

    def detail_rows(self, obj) -> list[tuple[str, str]]:
        rows = super().detail_rows(obj)
        if obj.is_aggregated or obj.units.exists():
            rows.append((str(_("member units")), "\n".join(u.unit_display() for u in obj.units.all()) or "—"))
        return rows


class ResourceUnitInline(OcctoAdminPermissions, admin.TabularInline):
    model = ResourceUnit
    editable = False
    extra = 0
    fields = ResourceUnit.UNIT_FIELDS
    readonly_fields = ResourceUnit.UNIT_FIELDS


@admin.register(Resource)
class ResourceAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Resources are changed only through applications; OCCTO staff read them here."""

    editable = False
    list_display = ("grid_code", "name", "operator", "area_label", "category", "generation_type", "installed_kw",
                    "is_active")
    area_label = area_column()
    list_filter = ("is_active", "area", "category", "generation_type")
    list_select_related = ("operator",)
    search_fields = ("grid_code", "name", "operator__code", "operator__name")
    inlines = (ResourceUnitInline,)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
