"""Django admin of the shared core: the service-calendar exceptions and the (read-only) audit log.

Access follows the OCCTO roles of `capacity_market.roles`, not Django model permissions: the roles are groups
without permission rows, and a role is the single source of truth for who may do what.
"""

import json
from typing import Any

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import audit, numbers
from .models import AuditEntry, ServiceCalendarException
from .ordering import area_order
from .roles import is_occto_admin, is_occto_staff

# Never copied into the audit log, whatever model an admin edits.
SECRET_FIELDS = frozenset({"password"})


class _LenientEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def area_column(field: str = "area", description=None):
    """A list column showing the area's label and sorting north to south (北海道 → 九州) when its header is clicked,
    not by the code's spelling: `area_label = area_column()` and "area_label" in `list_display` (a model field's
    own name would sort by the column)."""

    @admin.display(description=description or _("area"), ordering=area_order(field))
    def column(self, obj) -> str:
        target = obj
        *path, last = field.split("__")
        for step in path:
            target = getattr(target, step)
        return getattr(target, f"get_{last}_display")()

    return column




class NumberColumnsMixin:
    """kW and yen fields (named `…_kw`, `…_yen`) shown with thousands separators, as on the operator pages: in the
    list (`list_display`, still sortable) and where the change page shows them read-only. Django would print
    "50000"; the column is swapped for a display function using `capacity_market.numbers`. Editable fields stay
    inputs."""

    def _number_column(self, name: str):
        columns = self.__dict__.setdefault("_number_columns", {})
        if name not in columns:
            field = self.model._meta.get_field(name)

            @admin.display(description=field.verbose_name, ordering=name)
            def column(obj, name=name):
                return numbers.number(getattr(obj, name))

            column.__name__, column.number_column = name, True
            columns[name] = column
        return columns[name]

    def _swap(self, names, only=None):
        fields = {f.name for f in self.model._meta.concrete_fields}
        return [self._number_column(n) if isinstance(n, str) and n in fields and numbers.is_unit_field(n)
                and (only is None or n in only) else n for n in names]

    def get_list_display(self, request):
        return self._swap(super().get_list_display(request))

    def get_readonly_fields(self, request, obj=None):
        return self._swap(super().get_readonly_fields(request, obj))

    def get_fieldsets(self, request, obj=None):
        # A view-only change page shows every field of its fieldsets read-only (Django's rule, and its form then
        # has no fields), so every unit field is swapped there; elsewhere, inlines included (their forms are built
        # from these fieldsets), only those `get_readonly_fields` swapped.
        if (obj is not None and not isinstance(self, admin.options.InlineModelAdmin)
                and not self.has_change_permission(request, obj)):
            only = None
        else:
            only = {f.__name__ for f in self.get_readonly_fields(request, obj) if hasattr(f, "number_column")}
        return [(name, {**options, "fields": self._swap_nested(options.get("fields", ()), only)})
                for name, options in super().get_fieldsets(request, obj)]

    def _swap_nested(self, names, only):
        return [tuple(self._swap(n, only)) if isinstance(n, (list, tuple)) else self._swap([n], only)[0]
                for n in names]


class OcctoAdminPermissions(NumberColumnsMixin):
    """Who may do what in an OCCTO admin screen, for ModelAdmins and inlines alike: OCCTO staff (reviewers and
    administrators) view; OCCTO administrators add and change when `editable`, and delete when `deletable`.
    Operator users never reach the admin at all (`accounts.admin_site.OcctoAdminSite`)."""

    editable = True
    deletable = False

    def has_module_permission(self, request) -> bool:
        return is_occto_staff(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_occto_staff(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return self.editable and is_occto_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.editable and is_occto_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.deletable and is_occto_admin(request.user)

    def has_manage_permission(self, request) -> bool:
        """For admin actions declared with `allowed_permissions=("manage",)` (unlock, reissue, …)."""
        return is_occto_admin(request.user)


def audit_values(obj) -> dict:
    """The concrete field values of `obj` as JSON-safe data, secrets left out."""
    values = {
        field.attname: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.name not in SECRET_FIELDS
    }
    return json.loads(json.dumps(values, cls=_LenientEncoder))


class AuditedAdminMixin:
    """Records every add, change and delete made through this admin in the audit log, with before/after values.

    Use it first in the bases of any ModelAdmin whose rows matter: `class XAdmin(AuditedAdminMixin, admin.ModelAdmin)`.
    """

    def _audit_action(self, verb: str) -> str:
        return f"admin.{verb}.{self.model._meta.label_lower}"

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk is not None:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = audit_values(previous) if previous is not None else None
        super().save_model(request, obj, form, change)
        audit.record(
            action=self._audit_action("change" if change else "add"),
            actor=request.user,
            target=obj,
            before=before,
            after=audit_values(obj),
        )

    def delete_model(self, request, obj):
        before = audit_values(obj)
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk  # Django clears it after delete; the entry must still name the row
        audit.record(action=self._audit_action("delete"), actor=request.user, target=obj, before=before)

    def delete_queryset(self, request, queryset):
        doomed = [(obj, audit_values(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before in doomed:
            audit.record(action=self._audit_action("delete"), actor=request.user, target=obj, before=before)


@admin.register(ServiceCalendarException)
class ServiceCalendarExceptionAdmin(OcctoAdminPermissions, AuditedAdminMixin, admin.ModelAdmin):
    deletable = True
    """OCCTO administrators maintain the exceptions; reviewers may look at them."""

    list_display = ("date", "kind", "reason", "created_by", "created_at")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("reason",)
    fields = ("date", "kind", "reason", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")
    list_select_related = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change or obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, for OCCTO administrators only, and read-only for them too (the database refuses edits)."""

    list_display = ("created_at", "action", "actor_label", "operator_id", "acting_for_id", "target_type",
                    "target_id", "ip")
    list_filter = ("action", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("actor_label", "=target_id")
    search_help_text = _("Search by actor (login ID) or exact target ID.")
    show_full_result_count = False
    fields = ("id", "created_at", "action", "actor_id", "actor_label", "operator_id", "acting_for_id",
              "target_type", "target_id", "ip", "before_json", "after_json", "prev_hash", "hash")
    readonly_fields = fields

    def has_module_permission(self, request):
        return is_occto_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_occto_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("before"))
    def before_json(self, obj: AuditEntry):
        return self._pretty(obj.before)

    @admin.display(description=_("after"))
    def after_json(self, obj: AuditEntry):
        return self._pretty(obj.after)

    @staticmethod
    def _pretty(value):
        if value is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))
