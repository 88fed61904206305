"""Notices in the OCCTO admin screens: administrators write and e-mail them, reviewers may only look.

Saving, deleting and e-mailing go through notices.services, so each is audited. E-mailing is always a
deliberate, confirmed step (a confirmation page shows the audience and earlier dispatches) and is recorded as a
NoticeDispatch with one NoticeDelivery per recipient.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from capacity_market.admin import OcctoAdminPermissions
from capacity_market.errors import DomainError
from capacity_market.roles import is_occto_admin, is_occto_staff
from registration.models import Operator

from . import selectors, services
from .forms import NoticeForm
from .models import Notice, NoticeDelivery, NoticeDispatch, published_q

# The latest e-mailings of a notice shown on the confirmation page, so OCCTO sees it was already sent.
RECENT_DISPATCHES_SHOWN = 5


class PublishedStateFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("now", _("Published now")), ("scheduled", _("Scheduled")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.filter(published_q(now))
        if self.value() == "scheduled":
            return queryset.filter(publish_from__gt=now)
        if self.value() == "ended":
            return queryset.filter(publish_until__lte=now)
        return queryset


class StaffViewOnlyMixin(OcctoAdminPermissions):
    """OCCTO staff may look at e-mail dispatch records; nobody edits them (they are written by the sender)."""

    editable = False


class NoticeDispatchInline(StaffViewOnlyMixin, admin.TabularInline):
    model = NoticeDispatch
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("requested_at", "requested_by", "status", "recipient_count", "sent_count", "failed_count",
              "finished_at")
    readonly_fields = fields
    verbose_name_plural = _("e-mail dispatches")


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    form = NoticeForm
    list_display = ("title", "category", "importance", "publish_from", "publish_until", "audience",
                    "publication", "emailed_at")
    list_filter = ("category", "importance", PublishedStateFilter, "to_all_operators")
    search_fields = ("title", "body")
    date_hierarchy = "publish_from"
    filter_horizontal = ("operators",)
    readonly_fields = ("created_by", "created_at", "updated_at", "emailed_at")
    fieldsets = (
        (None, {"fields": ("title", "body", "category", "importance")}),
        (_("Publication"), {"fields": ("publish_from", "publish_until")}),
        (_("Audience"), {"fields": ("to_all_operators", "operators")}),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at", "emailed_at")}),
    )
    inlines = [NoticeDispatchInline]
    actions = ["email_to_audience"]
    list_per_page = 50

    # --- permissions -------------------------------------------------------------------------------------
    def has_module_permission(self, request):
        return is_occto_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_occto_staff(request.user)

    def has_add_permission(self, request):
        return is_occto_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_occto_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_occto_admin(request.user)

    def has_dispatch_permission(self, request, obj=None):
        return is_occto_admin(request.user)

    # --- list --------------------------------------------------------------------------------------------
    def get_queryset(self, request):
        return super().get_queryset(request).annotate(operator_count=Count("operators"))

    @admin.display(description=_("audience"))
    def audience(self, obj: Notice):
        if obj.to_all_operators:
            return _("All operators")
        count = getattr(obj, "operator_count", None)
        if count is None:
            count = obj.operators.count()
        return ngettext("%(count)d chosen operator", "%(count)d chosen operators", count) % {"count": count}

    @admin.display(description=_("publication"))
    def publication(self, obj: Notice):
        now = timezone.now()
        if obj.publish_from > now:
            return _("Scheduled")
        if obj.is_published(now):
            return _("Published now")
        return _("Ended")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "operators":
            kwargs["queryset"] = Operator.objects.filter(deleted_at__isnull=True).order_by("code")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- writes go through the services (audited) ---------------------------------------------------------
    def save_model(self, request, obj, form, change):
        services.notice_save(actor=request.user, notice=obj, operators=form.cleaned_data.get("operators") or [])

    def save_related(self, request, form, formsets, change):
        # notice_save() already set the operators; the only inline is read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.notice_delete(actor=request.user, notice=obj)

    def delete_queryset(self, request, queryset):
        for notice in queryset:
            services.notice_delete(actor=request.user, notice=notice)

    # --- e-mailing -----------------------------------------------------------------------------------------
    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_email"
        return [
            path("<path:object_id>/email/", self.admin_site.admin_view(self.email_view), name=name),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_email": self.has_dispatch_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def _confirmation(self, request: HttpRequest, notices, *, is_action: bool):
        rows = [
            {
                "notice": notice,
                "audience_count": selectors.audience_users(notice=notice).count(),
                "dispatches": list(notice.dispatches.select_related("requested_by")[:RECENT_DISPATCHES_SHOWN]),
                "is_published": notice.is_published(),
            }
            for notice in notices
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("E-mail notices to their audience"),
            "rows": rows,
            "is_action": is_action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/notices/notice/email_confirmation.html", context)

    def _dispatch(self, request: HttpRequest, notices) -> None:
        queued = 0
        for notice in notices:
            try:
                services.notice_dispatch_request(actor=request.user, notice=notice)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext("E-mailing of %(count)d notice was queued.", "E-mailing of %(count)d notices was queued.",
                         queued) % {"count": queued},
                messages.SUCCESS,
            )

    @admin.action(description=_("E-mail the selected notices to their audience"), permissions=["dispatch"])
    def email_to_audience(self, request, queryset):
        if request.POST.get("post") == "yes":
            self._dispatch(request, list(queryset))
            return None
        return self._confirmation(request, list(queryset), is_action=True)

    def email_view(self, request: HttpRequest, object_id: str):
        if not self.has_dispatch_permission(request):
            raise PermissionDenied
        notice = self.get_object(request, object_id)
        if notice is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:notices_notice_change", args=[notice.pk])
        if request.method == "POST":
            self._dispatch(request, [notice])
            return HttpResponseRedirect(change_url)
        return self._confirmation(request, [notice], is_action=False)


class NoticeDeliveryInline(StaffViewOnlyMixin, admin.TabularInline):
    model = NoticeDelivery
    extra = 0
    can_delete = False
    fields = ("email", "user", "language", "sent_at", "error")
    readonly_fields = fields


@admin.register(NoticeDispatch)
class NoticeDispatchAdmin(StaffViewOnlyMixin, admin.ModelAdmin):
    """Read-only record of each e-mailing: when, by whom, how many, and who exactly received it."""

    list_display = ("notice", "requested_at", "requested_by", "status", "recipient_count", "sent_count",
                    "failed_count", "finished_at")
    list_filter = ("status",)
    list_select_related = ("notice", "requested_by")
    fields = ("notice", "requested_at", "requested_by", "status", "started_at", "finished_at", "recipient_count",
              "sent_count", "failed_count")
    readonly_fields = fields
    inlines = [NoticeDeliveryInline]
