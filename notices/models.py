"""お知らせ (notices) from OCCTO to the users of the system, their read marks and their e-mail dispatches."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeCategory(models.TextChoices):
    IMPORTANT = "important", _("Important notice")
    SYSTEM = "system", _("System")
    AUCTION = "auction", _("Auction")
    MAINTENANCE = "maintenance", _("Maintenance")
    OTHER = "other", _("Other")


class NoticeImportance(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


def published_q(now=None) -> Q:
    """Notices whose publication window contains `now` (from inclusive, until exclusive)."""
    now = now or timezone.now()
    return Q(publish_from__lte=now) & (Q(publish_until__isnull=True) | Q(publish_until__gt=now))


class Notice(models.Model):
    """One notice. Audience: every operator (`to_all_operators`) or the chosen `operators`."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    category = models.CharField(
        _("category"), max_length=20, choices=NoticeCategory.choices, default=NoticeCategory.OTHER
    )
    importance = models.CharField(
        _("importance"), max_length=10, choices=NoticeImportance.choices, default=NoticeImportance.NORMAL
    )
    publish_from = models.DateTimeField(_("published from"), default=timezone.now, db_index=True)
    publish_until = models.DateTimeField(
        _("published until"), null=True, blank=True,
        help_text=_("Leave empty to keep the notice published. The notice disappears at this instant."),
    )
    to_all_operators = models.BooleanField(
        _("to all operators"), default=True,
        help_text=_("Untick to address only the operators chosen below."),
    )
    operators = models.ManyToManyField(
        "tenants.Operator", blank=True, related_name="notices", verbose_name=_("chosen operators"),
        help_text=_("Used only when “to all operators” is not ticked."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    emailed_at = models.DateTimeField(_("last e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-publish_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(publish_until__isnull=True) | Q(publish_until__gt=F("publish_from")),
                name="notice_publish_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_published(self, now=None) -> bool:
        now = now or timezone.now()
        return self.publish_from <= now and (self.publish_until is None or self.publish_until > now)

    def audit_values(self) -> dict:
        """The values written to the audit log before/after a change (operators as sorted ids)."""
        return {
            "title": self.title,
            "body": self.body,
            "category": self.category,
            "importance": self.importance,
            "publish_from": self.publish_from,
            "publish_until": self.publish_until,
            "to_all_operators": self.to_all_operators,
            "operators": sorted(self.operators.values_list("pk", flat=True)) if self.pk else [],
        }


class NoticeRead(models.Model):
    """The user opened the notice: the unread mark disappears."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_reads")
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("notice read")
        verbose_name_plural = _("notice reads")
        constraints = [models.UniqueConstraint(fields=["user", "notice"], name="notice_read_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notice_id}"


class DispatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class NoticeDispatch(models.Model):
    """One deliberate e-mailing of a notice to its audience, requested by an OCCTO administrator."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="dispatches", verbose_name=_("notice"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=DispatchStatus.choices, default=DispatchStatus.QUEUED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("refused"), default=0)

    class Meta:
        verbose_name = _("e-mail dispatch")
        verbose_name_plural = _("e-mail dispatches")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One dispatch in flight per notice: a double click cannot e-mail everyone twice.
            models.UniqueConstraint(
                fields=["notice"], condition=Q(status__in=["queued", "sending"]), name="one_open_dispatch_per_notice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} @ {self.requested_at:%Y-%m-%d %H:%M}"


class NoticeDelivery(models.Model):
    """One recipient of one dispatch: who was e-mailed, at which address, in which language."""

    dispatch = models.ForeignKey(NoticeDispatch, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=10)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["dispatch", "user"], name="one_delivery_per_user_and_dispatch")]

    def __str__(self) -> str:
        return self.email
