"""OCCTO screens for operator information: the operator-application review queue and read-only operators."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from capacity_market.admin import OcctoAdminPermissions
from capacity_market.review_admin import ReviewQueueAdmin

from . import services
from .models import Operator, OperatorApplication


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

