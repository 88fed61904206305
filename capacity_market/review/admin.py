"""The generic OCCTO review queue in the Django admin, for any `ReviewedApplication` subclass.

Register an application type's queue with a subclass that names its registered `ApplicationType`, whose
approve / send_back / reject services the decisions call:

    @admin.register(ResourceApplication)
    class ResourceApplicationAdmin(ReviewQueueAdmin):
        application_type = services.resource_applications

The queue lists applications with a status badge, kind, applicant and submission date, filtered by status, kind,
submitted date (and operator/auction when the model has them). The change view shows the application read-only:
for change applications the current and proposed values side by side (`comparison_rows()`), its history, and a
decision form (start review / approve / return / reject) carrying the version the reviewer saw, so a stale
decision is refused with a message and nothing changes. Only OCCTO reviewers see or decide; nothing is added,
deleted or edited directly here.
"""

from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..admin import NumberColumnsMixin
from ..errors import DomainError
from ..roles import is_occto_reviewer
from . import base
from . import workflow as review
from .types import ApplicationType

# Inline colours so the badge reads the same in the admin as on the operator pages (site.css .badge-*).
BADGE_STYLES = {
    review.ReviewStatus.DRAFT: "background:#eef2f6;color:#333",
    review.ReviewStatus.SUBMITTED: "background:#fff3cd;color:#7a5a00",
    review.ReviewStatus.UNDER_REVIEW: "background:#fff3cd;color:#7a5a00",
    review.ReviewStatus.APPROVED: "background:#e6f4ea;color:#1e6b34",
    review.ReviewStatus.RETURNED: "background:#fce8e6;color:#a61b1b",
    review.ReviewStatus.REJECTED: "background:#fce8e6;color:#a61b1b",
    review.ReviewStatus.WITHDRAWN: "background:#eef2f6;color:#555",
}

# Model fields never shown in the read-only detail (bookkeeping of the workflow itself is shown separately).
HIDDEN_DETAIL_FIELDS = {"id", "version", "status", "kind", "created_at", "updated_at", "submitted_by",
                        "submitted_at", "reviewed_by", "reviewed_at", "review_comment"}


class Decision(models.TextChoices):
    START_REVIEW = "start_review", _("Start review")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for correction")
    REJECT = "reject", _("Reject")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment to the applicant"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        cleaned["comment"] = (cleaned.get("comment") or "").strip()
        if decision in (Decision.RETURN, Decision.REJECT) and not cleaned["comment"] and "comment" not in self.errors:
            self.add_error("comment", _("A comment is required to return or reject an application."))
        return cleaned


def display_value(obj: models.Model, field: models.Field) -> str:
    """One field's value as a reviewer reads it (the kit's `display_value`), "—" when empty."""
    return base.display_value(obj, field.name) or "—"


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class ReviewQueueAdmin(NumberColumnsMixin, admin.ModelAdmin):
    """Review queue for one ReviewedApplication subclass. See the module docstring for how to register one."""

    # The registered type whose services decide (None: the workflow's transitions, with no apply step).
    application_type: ClassVar[ApplicationType | None] = None
    # Relations the queue and detail show (added to select_related when the model has them).
    queue_relations: ClassVar[tuple[str, ...]] = ("operator", "auction")

    change_form_template = "admin/review/change_form.html"
    list_display = ("application_label", "status_badge", "kind", "applicant", "submitted_at")
    list_display_links = ("application_label",)
    ordering = ("-submitted_at", "-pk")
    list_per_page = 50
    actions = ("start_review_selected",)

    # --- permissions: OCCTO reviewers see and decide; nobody adds, deletes or edits fields here ----------------
    def has_module_permission(self, request) -> bool:
        return is_occto_reviewer(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_occto_reviewer(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- the queue ---------------------------------------------------------------------------------------------
    def _relations(self) -> list[str]:
        return [name for name in self.queue_relations if _has_field(self.model, name)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by", "reviewed_by", *self._relations())

    def get_list_filter(self, request):
        return ("status", "kind", ("submitted_at", admin.DateFieldListFilter), *self._relations())

    @admin.display(description=_("application"), ordering="pk")
    def application_label(self, obj) -> str:
        return str(getattr(obj, "number", obj.pk))

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="review-badge review-badge-{}" style="display:inline-block;padding:1px 8px;'
            'border-radius:10px;white-space:nowrap;{}">{}</span>',
            obj.status, BADGE_STYLES.get(obj.status, ""), obj.get_status_display(),
        )

    @admin.display(description=_("operator / applicant"))
    def applicant(self, obj) -> str:
        """The operator when there is one, else the submitting user; override for anonymous applicants."""
        operator = getattr(obj, "operator", None)
        if operator is not None:
            return str(operator)
        return str(obj.submitted_by) if obj.submitted_by_id else "—"

    # Refusals listed after a bulk action at most (the rest are counted, not listed).
    REFUSALS_SHOWN = 50

    def _each(self, request, queryset, act, done_message) -> None:
        """Apply `act(application)` to each selected application, each in its own transaction at the version
        shown; refusals are listed (DomainError changes nothing) and the rest reported."""
        done, refused = 0, []
        for application in queryset:
            try:
                act(application)
                done += 1
            except DomainError as exc:
                refused.append(f"{self.application_label(application)}: {exc.message}")
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for text in refused[:self.REFUSALS_SHOWN]:
            self.message_user(request, text, messages.ERROR)
        if len(refused) > self.REFUSALS_SHOWN:
            self.message_user(request, gettext("%(count)d more were refused.")
                              % {"count": len(refused) - self.REFUSALS_SHOWN}, messages.ERROR)

    @admin.action(description=_("Start review of the selected applications"))
    def start_review_selected(self, request, queryset):
        self._each(request, queryset, lambda application: review.start_review(
            application=application, actor=request.user, expected_version=application.version),
            gettext("Review started for %(count)d application(s)."))

    @admin.action(description=_("Approve the selected applications (e.g. a CSV import)"))
    def approve_selected(self, request, queryset):
        """Approve each selected application through the same service as the decision form (add it to `actions`
        where approving many at once makes sense, e.g. a CSV import's applications)."""
        self._each(request, queryset, lambda application: (self.application_type or review).approve(
            application=application, actor=request.user, expected_version=application.version),
            gettext("%(count)d application(s) approved."))

    # --- the decision ------------------------------------------------------------------------------------------
    def decide(self, request, application, *, decision: str, comment: str, expected_version: int):
        """Run one decision through the per-app service (or the base transition). Raises DomainError."""
        actor = request.user
        if decision == Decision.START_REVIEW:
            return review.start_review(application=application, actor=actor, expected_version=expected_version)
        decider = self.application_type or review
        service = {Decision.APPROVE: decider.approve, Decision.RETURN: decider.send_back,
                   Decision.REJECT: decider.reject}[Decision(decision)]
        return service(application=application, actor=actor, expected_version=expected_version, comment=comment)

    def detail_rows(self, obj) -> list[tuple[str, str]]:
        """(label, value) of every field of the application, for the read-only detail."""
        return [
            (str(field.verbose_name), display_value(obj, field))
            for field in obj._meta.concrete_fields
            if field.name not in HIDDEN_DETAIL_FIELDS
        ]

    def comparison(self, obj) -> list[tuple[str, str, str, bool]]:
        """(label, current, proposed, differs) for change applications."""
        if obj.kind != review.ApplicationKind.CHANGE:
            return []
        return [(label, current, proposed, current != proposed)
                for label, current, proposed in obj.comparison_rows()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        own_submission = obj.submitted_by_id is not None and obj.submitted_by_id == request.user.pk
        form = DecisionForm(request.POST or None, initial={"version": obj.version})
        if request.method == "POST" and not form.is_valid() and "version" in form.errors:
            # The hidden version was missing or altered: say so instead of showing the page again unchanged.
            messages.error(request, gettext("The form was incomplete; reload the page and decide again. Nothing was "
                                            "changed."))
        if request.method == "POST" and form.is_valid():
            try:
                self.decide(request, obj, decision=form.cleaned_data["decision"],
                            comment=form.cleaned_data["comment"],
                            expected_version=form.cleaned_data["version"])
            except DomainError as exc:
                messages.error(request, exc.message)
                # Show the current state and keep what the reviewer typed; the version is the one shown now.
                obj = self.get_object(request, unquote(object_id))
                form = DecisionForm(initial={**form.cleaned_data, "version": obj.version})
            else:
                self.message_user(
                    request,
                    gettext("%(application)s is now: %(status)s.")
                    % {"application": self.application_label(obj), "status": obj.get_status_display()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk],
                            current_app=self.admin_site.name)
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": gettext("Review %(application)s") % {"application": self.application_label(obj)},
            "subtitle": None,
            "original": obj,
            "application_label": self.application_label(obj),
            "status_badge": self.status_badge(obj),
            "applicant": self.applicant(obj),
            "detail_rows": self.detail_rows(obj),
            "comparison": self.comparison(obj),
            "history": obj.history(),
            "decision_form": form,
            "current_version": obj.version,
            "can_decide": obj.is_awaiting_decision and not own_submission,
            "can_start_review": obj.status == review.ReviewStatus.SUBMITTED and not own_submission,
            "own_submission": own_submission,
            "has_view_permission": True,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)
