"""OCCTO screens for operator information: the operator-application review queue and read-only operators."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from capacity_market.admin import OcctoAdminPermissions
from capacity_market.errors import DomainError
from capacity_market.review_admin import ReviewQueueAdmin

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
    approve_service = services.approve_operator_application
    send_back_service = services.send_back_operator_application
    search_fields = ("name", "name_kana", "applicant_email", "admin_login_id", "operator__code")

    @admin.display(description=_("operator / applicant"))
    def applicant(self, obj) -> str:
        if obj.operator_id is not None:
            return str(obj.operator)
        return f"{obj.name} <{obj.applicant_email}>"


@admin.register(Operator)
class OperatorAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """Operators are changed only through applications; OCCTO staff read them here."""

    editable = False

    list_display = ("code", "name", "contact_name", "contact_email", "is_active", "deleted_at")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_kana")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(ResourceApplication)
class ResourceApplicationAdmin(ReviewQueueAdmin):
    """The OCCTO queue of resource applications: current and proposed values (units included) side by side."""

    approve_service = services.approve_resource_application
    search_fields = ("grid_code", "name", "operator__code", "operator__name")
    list_display = ("application_label", "status_badge", "kind", "applicant", "grid_code", "name", "category",
                    "installed_kw", "submitted_at")

    actions = ("start_review_selected", "approve_selected")

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), "category", "area")

    @admin.action(description=_("Approve the selected applications (e.g. a CSV import)"))
    def approve_selected(self, request, queryset):
        """Approve each selected application through the same service as the decision form, one by one (each in
        its own transaction, at the version shown); refusals are listed and change nothing."""
        approved, refused = 0, []
        for application in queryset.select_related("resource"):
            try:
                services.approve_resource_application(application=application, actor=request.user,
                                                      expected_version=application.version)
                approved += 1
            except DomainError as exc:
                refused.append(f"{self.application_label(application)}: {exc.message}")
        if approved:
            self.message_user(request, gettext("%(count)d application(s) approved.") % {"count": approved},
                              messages.SUCCESS)
        for text in refused[:REFUSALS_SHOWN]:
            self.message_user(request, text, messages.ERROR)

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
    list_display = ("grid_code", "name", "operator", "area", "category", "generation_type", "installed_kw",
                    "is_active")
    list_filter = ("is_active", "area", "category", "generation_type")
    list_select_related = ("operator",)
    search_fields = ("grid_code", "name", "operator__code", "operator__name")
    inlines = (ResourceUnitInline,)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
