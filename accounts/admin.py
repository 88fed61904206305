"""Django admin of accounts for OCCTO staff: users (list, filters, unlock, password reissue, OCCTO staff IDs),
the admin-ID issues and the terms versions.

Access follows the OCCTO roles (capacity_market.roles): staff may look, OCCTO administrators may act. Passwords
are never shown or typed here: a reissue e-mails the user a one-time set-password link. IDs are never deleted
(the record stays); "delete" is the deactivate action. Who may enter the admin at all: accounts.admin_site.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from capacity_market import audit
from capacity_market.admin import AuditedAdminMixin, OcctoAdminPermissions
from capacity_market.errors import DomainError
from capacity_market.roles import group_label

from . import services
from .forms import StaffCreateForm
from .models import AdminIdIssuance, TermsVersion, User


class LockedFilter(admin.SimpleListFilter):
    title = _("lock")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("yes", _("Locked")), ("no", _("Not locked")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(locked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(locked_at__isnull=True)
        return queryset


class RoleFilter(admin.SimpleListFilter):
    """The OCCTO role (group), by its name rather than the group's code."""

    title = _("OCCTO role")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        from django.contrib.auth.models import Group

        return [(str(group.pk), group_label(group)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(groups__pk=int(self.value()))
        return queryset


class KindFilter(admin.SimpleListFilter):
    title = _("kind of ID")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("operator", _("Operator users")), ("occto", _("OCCTO staff")))

    def queryset(self, request, queryset):
        if self.value() == "operator":
            return queryset.filter(operator__isnull=False)
        if self.value() == "occto":
            return queryset.filter(operator__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(OcctoAdminPermissions, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("login_id", "full_name", "operator", "operator_role", "is_active", "is_locked_display",
                    "last_login")
    list_filter = (KindFilter, "operator", "operator_role", LockedFilter, "is_active", RoleFilter)
    list_select_related = ("operator",)
    search_fields = ("login_id", "full_name", "full_name_kana", "email")
    ordering = ("login_id",)
    actions = ("unlock_users", "reissue_passwords", "deactivate_users")
    filter_horizontal = ("groups",)

    fieldsets = (
        (None, {"fields": ("login_id", "full_name", "full_name_kana", "email", "phone", "language")}),
        (_("Operator"), {"fields": ("operator", "operator_role")}),
        (_("OCCTO roles"), {"fields": ("is_staff", "groups", "is_superuser")}),
        (_("State"), {"fields": ("is_active", "deactivated_at", "locked_at", "failed_login_count",
                                 "password_status", "must_change_password", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("login_id", "full_name", "full_name_kana", "email", "phone", "language", "groups"),
                "description": _("Creates an OCCTO staff ID. Operator IDs are issued by the use application "
                                 "(administrator) and by each operator's administrator (users). The new staff "
                                 "member receives a one-time link to set the password.")}),
    )
    ALWAYS_READONLY = ("login_id", "operator", "operator_role", "is_superuser", "is_active", "deactivated_at",
                       "locked_at", "failed_login_count", "password_status", "must_change_password", "last_login",
                       "date_joined")

    @admin.display(boolean=True, description=_("locked"), ordering="locked_at")
    def is_locked_display(self, obj: User) -> bool:
        return obj.is_locked

    @admin.display(description=_("password"))
    def password_status(self, obj: User) -> str:
        if obj.has_usable_password():
            return gettext("Set by the user (never shown).")
        return gettext("Not set yet: waiting for the user to follow the set-password link.")

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = group_label  # the role's name, not the group's code
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StaffCreateForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = list(self.ALWAYS_READONLY)
        if obj.operator_id is not None:  # an operator user never becomes staff here
            readonly += ["is_staff", "groups"]
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.create_occto_staff(
            actor=request.user, groups=list(data["groups"]),
            **{f: data[f] for f in ("login_id", "full_name", "full_name_kana", "email", "phone", "language")},
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_related(self, request, form, formsets, change):
        if not change:
            return  # the service set the groups
        before = sorted(form.instance.groups.values_list("name", flat=True))
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.groups.values_list("name", flat=True))
        if before != after:
            audit.record(action="accounts.staff_groups_changed", actor=request.user, target=form.instance,
                         before={"groups": before}, after={"groups": after})

    def _each(self, request, queryset, service, done_message):
        done = 0
        for user in queryset:
            try:
                service(actor=request.user, user=user)
            except DomainError as exc:
                self.message_user(request, f"{user.login_id}: {exc.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Unlock the selected users"), permissions=["manage"])
    def unlock_users(self, request, queryset):
        self._each(request, queryset, services.unlock_user, gettext("%(count)d user(s) unlocked."))

    @admin.action(description=_("Reissue the password (e-mail a set-password link)"), permissions=["manage"])
    def reissue_passwords(self, request, queryset):
        self._each(request, queryset, services.reissue_password,
                   gettext("Password reissued for %(count)d user(s); each was e-mailed a set-password link."))

    @admin.action(description=_("Delete (deactivate) the selected IDs"), permissions=["manage"])
    def deactivate_users(self, request, queryset):
        self._each(request, queryset, services.deactivate_user, gettext("%(count)d ID(s) deleted."))


@admin.register(AdminIdIssuance)
class AdminIdIssuanceAdmin(OcctoAdminPermissions, admin.ModelAdmin):
    """The one admin-ID issue of each operator (read-only: it is written by the use-application approval)."""

    list_display = ("operator", "user", "issued_at")
    list_select_related = ("operator", "user")
    readonly_fields = ("operator", "user", "issued_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TermsVersion)
class TermsVersionAdmin(OcctoAdminPermissions, AuditedAdminMixin, admin.ModelAdmin):
    """Terms versions: OCCTO administrators publish them; a use application accepts the current one."""

    list_display = ("version", "title", "effective_from", "created_at")
    search_fields = ("version", "title")
    ordering = ("-effective_from",)
