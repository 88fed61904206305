"""The generic OCCTO review queue in the Django admin, for any `ReviewedApplication` subclass.

Register an application type's queue with a subclass that names its registered `ApplicationType`, whose
approve / send_back / reject services the decisions call:

    @admin.register(ResourceApplication)
    class ResourceApplicationAdmin(ReviewQueueAdmin):
        application_type = services.resource_applications

The queue lists applications with a status badge, kind, applicant and submission date (a type adds the columns a
reviewer picks by: `list_display`, with `changed_items` for change applications), filtered by status ("awaiting a
decision" first), kind, submitted date (and operator/auction when the model has them); filtered to the applications
awaiting a decision it lists the oldest submission first. The change view shows the application read-only: for
change applications the current and proposed values side by side (`comparison_rows()`), its history, and a decision
form (start review / approve / return / reject) carrying the version the reviewer saw, so a stale decision is
refused with a message and nothing changes. After approving, returning or rejecting, the reviewer is taken to the
next application awaiting a decision in the same queue (the oldest submission, within the queue's filters), or back
to the queue when none is left; every decision page offers that next application too. Only OCCTO reviewers see or
decide; nothing is added, deleted or edited directly here.

`pending_queues(request)` counts the applications awaiting a decision per queue (one query per queue), for the
admin index and the reviewer's home panel (`pending_panel`, registered by the core's AppConfig).
"""

import copy
import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR, IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, ORDER_VAR, PAGE_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, SuspiciousOperation
from django.db import models
from django.db.models import Count, Min, Q
from django.http import HttpResponseRedirect, QueryDict
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
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



class ReviewStatusFilter(admin.SimpleListFilter):
    """The queue's status filter: "awaiting a decision" (submitted or under review: what the pending counts link
    to), then each status."""

    title = _("status")
    parameter_name = "status"
    AWAITING = "awaiting"

    def lookups(self, request, model_admin):
        return [(self.AWAITING, _("Awaiting a decision")), *review.ReviewStatus.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.AWAITING:
            return queryset.filter(status__in=review.AWAITING_DECISION)
        if value in review.ReviewStatus.values:
            return queryset.filter(status=value)
        return queryset


# Values of the status filter that select applications awaiting a decision (the queue a reviewer clears).
PENDING_FILTER_VALUES = frozenset({ReviewStatusFilter.AWAITING, *review.AWAITING_DECISION})
# Query parameters of a change list that are not filters (ordering, page, "show all", facets, popups).
NOT_FILTERS = (ORDER_VAR, PAGE_VAR, ALL_VAR, ERROR_FLAG, IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR)


@dataclass(frozen=True)
class PendingQueue:
    """One review queue's applications awaiting a decision, as the admin index and the home panel show them."""

    title: str
    url: str  # the queue filtered to the applications awaiting a decision
    submitted: int
    under_review: int
    oldest_submitted_at: dt.datetime | None

    @property
    def total(self) -> int:
        return self.submitted + self.under_review


def pending_queues(request, *, site=None) -> list[PendingQueue]:
    """Every review queue of the admin site (`site`, default the project's) the user may open, with its counts of
    applications awaiting a decision: one query per queue. Empty for anyone but an OCCTO reviewer."""
    if not is_occto_reviewer(request.user):
        return []
    site = site or admin.site
    return [model_admin.pending_summary() for model_admin in site._registry.values()
            if isinstance(model_admin, ReviewQueueAdmin) and model_admin.has_view_permission(request)]


def pending_panel(request) -> str | None:
    """The home page's panel for OCCTO reviewers: each queue's applications awaiting a decision, linked."""
    queues = pending_queues(request)
    if not queues:
        return None
    return render_to_string("review/pending_panel.html", {"queues": queues}, request=request)


class ReviewQueueAdmin(NumberColumnsMixin, admin.ModelAdmin):
    """Review queue for one ReviewedApplication subclass. See the module docstring for how to register one."""

    # The registered type whose services decide (None: the workflow's transitions, with no apply step).
    application_type: ClassVar[ApplicationType | None] = None
    # Relations the queue and detail show (added to select_related when the model has them; the subject always is,
    # so that `changed_items` compares without a query).
    queue_relations: ClassVar[tuple[str, ...]] = ("operator", "auction")
    # Relations the queue filters by (when the model has them).
    filter_relations: ClassVar[tuple[str, ...]] = ("operator", "auction")

    change_form_template = "admin/review/change_form.html"
    list_display = ("application_label", "status_badge", "kind", "applicant", "submitted")
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
        subject = getattr(self.model, "subject_field", "")
        names = dict.fromkeys([*self.queue_relations, *([subject] if subject else [])])
        return [name for name in names if _has_field(self.model, name)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by", "reviewed_by", *self._relations())

    def get_list_filter(self, request):
        return (ReviewStatusFilter, "kind", ("submitted_at", admin.DateFieldListFilter),
                *[name for name in self.filter_relations if _has_field(self.model, name)])

    def get_ordering(self, request):
        """Oldest submission first when the queue shows applications awaiting a decision (the order they are
        decided in), else the newest first."""
        if request.GET.get(ReviewStatusFilter.parameter_name) in PENDING_FILTER_VALUES:
            return ("submitted_at", "pk")
        return super().get_ordering(request)

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

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted(self, obj) -> str:
        """When the application was (last) submitted, in local time, short enough for a wide queue."""
        return date_format(timezone.localtime(obj.submitted_at), "Y-m-d H:i") if obj.submitted_at else "—"

    @admin.display(description=_("changed items"))
    def changed_items(self, obj) -> str:
        """What a change application changes (the labels of the info fields that differ), "—" for other kinds.
        No query when the current record is the subject (select_related)."""
        if obj.kind != review.ApplicationKind.CHANGE:
            return "—"
        return gettext(", ").join(str(capfirst(obj._meta.get_field(name).verbose_name))
                        for name in obj.changed_fields()) or "—"

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

    # --- what is waiting: the counts and the next application ---------------------------------------------------
    def changelist_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                       current_app=self.admin_site.name)

    def change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk],
                       current_app=self.admin_site.name)

    def pending_summary(self) -> PendingQueue:
        """This queue's applications awaiting a decision, counted in one query."""
        counts = self.model._default_manager.filter(status__in=review.AWAITING_DECISION).aggregate(
            submitted=Count("pk", filter=Q(status=review.ReviewStatus.SUBMITTED)),
            under_review=Count("pk", filter=Q(status=review.ReviewStatus.UNDER_REVIEW)),
            oldest=Min("submitted_at"),
        )
        query = QueryDict(mutable=True)
        query[ReviewStatusFilter.parameter_name] = ReviewStatusFilter.AWAITING
        return PendingQueue(title=str(capfirst(self.opts.verbose_name_plural)),
                            url=f"{self.changelist_url()}?{query.urlencode()}",
                            submitted=counts["submitted"], under_review=counts["under_review"],
                            oldest_submitted_at=counts["oldest"])

    def _with_filters(self, request, url: str) -> str:
        """`url` carrying the queue's filters the reviewer came with (the admin's preserved filters)."""
        return add_preserved_filters({"preserved_filters": self.get_preserved_filters(request), "opts": self.opts},
                                     url)

    def pending_queryset(self, request):
        """The applications of this queue awaiting a decision that the reviewer may decide (not their own), within
        the queue's filters the reviewer came with (search, kind, operator, auction…; a status filter only when it
        selects applications awaiting a decision), oldest submission first."""
        params = QueryDict(request.GET.get("_changelist_filters", ""), mutable=True)
        for name in NOT_FILTERS:
            params.pop(name, None)
        for name in [name for name in params if name.split("__")[0] == "status"]:
            if name != ReviewStatusFilter.parameter_name or params.get(name) not in PENDING_FILTER_VALUES:
                params.pop(name)
        queryset = self.get_queryset(request)
        if params:
            filtered = copy.copy(request)
            filtered.GET = params
            try:
                queryset = self.get_changelist_instance(filtered).queryset
            except (IncorrectLookupParameters, SuspiciousOperation):  # filters the list itself refuses: the whole queue
                queryset = self.get_queryset(request)
        return (queryset.filter(status__in=review.AWAITING_DECISION)
                .exclude(submitted_by=request.user).order_by("submitted_at", "pk"))

    def next_pending(self, request, *, after) -> tuple["models.Model | None", int]:
        """(the next application to decide, how many are waiting besides `after`): the oldest submission awaiting
        a decision in the queue as filtered, other than `after`. Two queries (three or four with filters)."""
        waiting = self.pending_queryset(request).exclude(pk=after.pk)
        following = waiting.first()
        return following, (waiting.count() if following is not None else 0)

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
                return self.after_decision(request, obj, decision=form.cleaned_data["decision"])
        following, waiting = self.next_pending(request, after=obj)
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
            "next_application": following,
            "next_application_label": self.application_label(following) if following is not None else "",
            "next_application_url": self._with_filters(request, self.change_url(following)) if following else "",
            "waiting_count": waiting,
            "queue_url": self._with_filters(request, self.changelist_url()),
            "has_view_permission": True,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_form_template, context)

    def after_decision(self, request, obj, *, decision: str):
        """Where a recorded decision leads: a started review stays on the application (the reviewer decides it
        next); an approval, return or rejection goes on to the next application awaiting a decision in the queue,
        or back to the queue when none is left, saying which."""
        if decision == Decision.START_REVIEW:
            return HttpResponseRedirect(self._with_filters(request, self.change_url(obj)))
        following, waiting = self.next_pending(request, after=obj)
        if following is None:
            self.message_user(request, gettext("No other application is waiting for a decision in this queue."),
                              messages.INFO)
            return HttpResponseRedirect(self._with_filters(request, self.changelist_url()))
        self.message_user(
            request,
            ngettext("Next: %(application)s, the oldest application waiting for a decision (%(count)d waiting).",
                     "Next: %(application)s, the oldest application waiting for a decision (%(count)d waiting).",
                     waiting) % {"application": self.application_label(following), "count": waiting},
            messages.INFO,
        )
        return HttpResponseRedirect(self._with_filters(request, self.change_url(following)))
