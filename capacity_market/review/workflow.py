"""The review workflow every business application shares (architecture.md §3).

Subclass `ReviewedApplication`; change status only through the transition services below
(`submit`, `start_review`, `approve`, `send_back`, `reject`, `withdraw`). Each one, in one transaction:
locks the row and checks the caller's version (optimistic locking: a stale decision is refused and nothing
is lost), checks the move against `ALLOWED_TRANSITIONS`, checks the actor's right and the service window,
applies the per-app effect given by the caller, writes an `ApplicationHistory` row and an audit entry, and
queues the e-mail to the applicant on commit.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import audit, service_window
from ..errors import DomainError
from ..models import ApplicationHistory
from ..roles import is_occto_reviewer


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New")
    CHANGE = "change", _("Change")
    DELETION = "deletion", _("Deletion")


S = ReviewStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED})
AWAITING_DECISION = frozenset({S.SUBMITTED, S.UNDER_REVIEW})


class ReviewError(DomainError):
    """A refused transition."""


class InvalidTransition(ReviewError):
    pass


class StaleApplication(ReviewError):
    pass


class NotAllowed(ReviewError):
    pass


class ReviewedApplication(models.Model):
    """Abstract base of every application reviewed by OCCTO.

    Subclasses define the applicant side: `operator_id_for_audit()`, `is_applicant(user)` and
    `notice_recipients()`; and, for change applications, `comparison_rows()` for the reviewer's
    side-by-side view.
    """

    status = models.CharField(_("status"), max_length=20, choices=ReviewStatus.choices, default=S.DRAFT)
    kind = models.CharField(_("kind"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    # Whether applicant-side moves (submit, withdraw) are bound to the service window.
    service_window_applies = True
    # The application number (申請番号) shown to applicants and reviewers is "<prefix>-<6-digit id>".
    number_prefix = "AP"

    class Meta:
        abstract = True

    @property
    def number(self) -> str:
        """The application number (申請番号) shown to applicants and reviewers."""
        return f"{self.number_prefix}-{self.pk:06d}" if self.pk else f"{self.number_prefix}-"

    # --- pure rules ---------------------------------------------------------------------------------------
    def can_transition_to(self, target: str) -> bool:
        return target in ALLOWED_TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_awaiting_decision(self) -> bool:
        return self.status in AWAITING_DECISION

    # --- hooks for subclasses ------------------------------------------------------------------------------
    def operator_id_for_audit(self) -> int | None:
        return getattr(self, "operator_id", None)

    def is_applicant(self, user) -> bool:
        """Whether `user` may submit or withdraw this application (default: a user of its operator)."""
        operator_id = getattr(self, "operator_id", None)
        return bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and operator_id is not None
            and getattr(user, "operator_id", None) == operator_id
        )

    def is_submitter(self, user) -> bool:
        """Whether `user` submitted this application (a reviewer may not decide it). Default: the recorded submitter."""
        return self.submitted_by_id is not None and self.submitted_by_id == getattr(user, "pk", None)

    def notice_recipients(self) -> list[tuple[str, str]]:
        """(e-mail, language) pairs told of each decision. Default: the submitter."""
        user = self.submitted_by
        if user is not None and user.email:
            return [(user.email, user.language)]
        return []

    def comparison_rows(self) -> list[tuple[str, Any, Any]]:
        """(label, current value, proposed value) rows for change applications."""
        return []

    def history(self):
        return ApplicationHistory.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
        ).select_related("actor")


# --- the transition services ------------------------------------------------------------------------------

Effect = Callable[[ReviewedApplication], None]


def _check_applicant(app: ReviewedApplication, actor) -> None:
    if not app.is_applicant(actor):
        raise NotAllowed(_("Only the applicant may do this."))
    if app.service_window_applies:
        service_window.assert_open()


def _check_reviewer(app: ReviewedApplication, actor) -> None:
    if not is_occto_reviewer(actor):
        raise NotAllowed(_("Only OCCTO reviewers may decide applications."))
    if app.is_submitter(actor):
        raise NotAllowed(_("You cannot decide an application you submitted yourself."))


def _transition(
    application: ReviewedApplication,
    *,
    target: str,
    actor,
    check: Callable[[ReviewedApplication, Any], None],
    expected_version: int | None,
    comment: str = "",
    effect: Effect | None = None,
) -> ReviewedApplication:
    model = type(application)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=application.pk)
        # Who may act is asked first, so that a refused actor learns nothing about the application's state.
        check(locked, actor)
        if expected_version is not None and locked.version != expected_version:
            raise StaleApplication(
                _("This application was changed by someone else meanwhile (now: %(status)s). "
                  "Reload it and decide again; nothing was changed.") % {"status": locked.get_status_display()}
            )
        if not locked.can_transition_to(target):
            raise InvalidTransition(
                _("An application that is %(current)s cannot become %(target)s.")
                % {"current": locked.get_status_display(), "target": ReviewStatus(target).label}
            )
        before = locked.status
        now = timezone.now()
        locked.status = target
        locked.version += 1
        if target == S.SUBMITTED:
            locked.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
            locked.submitted_at = now
        elif target in (S.APPROVED, S.RETURNED, S.REJECTED):
            locked.reviewed_by = actor
            locked.reviewed_at = now
            locked.review_comment = comment
        locked.save()
        if effect is not None:
            effect(locked)
        is_user = getattr(actor, "is_authenticated", False)
        entry = ApplicationHistory.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=locked.pk,
            from_status=before,
            to_status=target,
            actor=actor if is_user else None,
            actor_label=actor.get_username() if is_user else "",
            comment=comment,
            version=locked.version,
        )
        audit.record(
            action=f"{model._meta.label_lower}.{target}",
            actor=actor if is_user else None,
            operator_id=locked.operator_id_for_audit(),
            target=locked,
            before={"status": before, "version": locked.version - 1},
            after={"status": target, "version": locked.version, "comment": comment},
        )
        if target != S.UNDER_REVIEW:
            from ..notifications import notify

            # Rendered now in each recipient's language; sent by Celery once the transition commits.
            notify(template="capacity_market/email/review_notice", recipients=locked.notice_recipients(),
                   context={"application": locked, "application_type": model._meta.verbose_name,
                            "entry": entry, "status_label": ReviewStatus(target).label})
    for field in ("status", "version", "submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at",
                  "review_comment", "updated_at"):
        setattr(application, field, getattr(locked, field))
    return locked


def submit(*, application, actor, expected_version: int | None = None, effect: Effect | None = None):
    """Draft or returned → submitted. The applicant only, within the service window."""
    return _transition(application, target=S.SUBMITTED, actor=actor, check=_check_applicant,
                       expected_version=expected_version, effect=effect)


def withdraw(*, application, actor, expected_version: int | None = None, effect: Effect | None = None):
    """Any open application → withdrawn (取下げ). The applicant only, before a decision."""
    return _transition(application, target=S.WITHDRAWN, actor=actor, check=_check_applicant,
                       expected_version=expected_version, effect=effect)


def start_review(*, application, actor, expected_version: int | None = None, effect: Effect | None = None):
    """Submitted → under review (審査中). An OCCTO reviewer other than the submitter."""
    return _transition(application, target=S.UNDER_REVIEW, actor=actor, check=_check_reviewer,
                       expected_version=expected_version, effect=effect)


def approve(*, application, actor, comment: str = "", expected_version: int | None = None,
            effect: Effect | None = None):
    """Submitted/under review → approved. `effect` applies the application to master data atomically."""
    return _transition(application, target=S.APPROVED, actor=actor, check=_check_reviewer,
                       expected_version=expected_version, comment=comment, effect=effect)


def _require_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(_("A comment is required to return or reject an application."))
    return comment


def send_back(*, application, actor, comment: str, expected_version: int | None = None,
              effect: Effect | None = None):
    """Submitted/under review → returned (差戻し) for resubmission. A comment is required."""
    return _transition(application, target=S.RETURNED, actor=actor, check=_check_reviewer,
                       expected_version=expected_version, comment=_require_comment(comment), effect=effect)


def reject(*, application, actor, comment: str, expected_version: int | None = None,
           effect: Effect | None = None):
    """Submitted/under review → rejected (却下). A comment is required."""
    return _transition(application, target=S.REJECTED, actor=actor, check=_check_reviewer,
                       expected_version=expected_version, comment=_require_comment(comment), effect=effect)
