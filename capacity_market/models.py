"""Shared core models: the review-workflow history, the audit log and the service-calendar exceptions.

The abstract review base itself lives in `capacity_market.review`; business apps subclass it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .state_machine import StateMachine


class ApplicationHistory(models.Model):
    """One row per transition of any review-workflow application (審査履歴)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    application = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version after"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application history")
        verbose_name_plural = _("application history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class AuditEntry(models.Model):
    """An append-only, hash-chained audit record (see `capacity_market.audit`).

    No foreign keys on purpose: the log must outlive and never cascade with the rows it speaks of.
    UPDATE and DELETE are refused by a database trigger (migration 0002).
    """

    created_at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=100, db_index=True)
    actor_id = models.BigIntegerField(_("actor ID"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    operator_id = models.BigIntegerField(_("operator ID"), null=True, blank=True, db_index=True)
    acting_for_id = models.BigIntegerField(_("acting for operator ID"), null=True, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}"


class ServiceCalendarException(models.Model):
    """An OCCTO-maintained exception to the service calendar: an extra closure or an extra opening."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Extra closure")
        OPEN = "open", _("Extra opening")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service calendar exception")
        verbose_name_plural = _("service calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}: {self.reason}"


class ImportJob(models.Model):
    """One bulk CSV upload (一括登録), validated and imported by `capacity_market.bulk_import`.

    The decoded text is kept so a Celery task can work on it by ID. `operator_id` is a plain integer because the
    core depends on no business app (as in `AuditEntry`); scope it with `scope_to_user(..., field="operator_id")`.
    """

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Validating")
        INVALID = "invalid", _("Has errors")
        VALID = "valid", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    # The moves of a job (`capacity_market.bulk_import`), each through `states.transition` and audited:
    # checked → valid or invalid; confirmed → importing → done, or failed (refused, rolled back); a job a dead
    # worker left behind goes back from importing to valid (nothing was saved: confirm again) or ends failed
    # from validating (upload again).
    states = StateMachine({
        Status.VALIDATING: {Status.VALID, Status.INVALID, Status.FAILED},
        Status.VALID: {Status.IMPORTING},
        Status.IMPORTING: {Status.DONE, Status.FAILED, Status.VALID},
        Status.INVALID: set(),
        Status.DONE: set(),
        Status.FAILED: set(),
    })

    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALIDATING)
    operator_id = models.BigIntegerField(_("operator ID"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    content = models.TextField(_("content"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.get_status_display()}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.IMPORTING)
