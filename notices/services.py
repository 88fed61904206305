"""Writes of notices: save and delete (OCCTO administrators), read marks, and e-mail dispatches.

Every service is keyword-only and atomic and writes the audit log. A dispatch is queued on commit; its Celery
task hands each recipient's e-mail, in their own language, to `capacity_market.notifications`.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capacity_market import audit
from capacity_market.errors import DomainError
from capacity_market.notifications import notify
from capacity_market.roles import is_occto_admin

from . import selectors
from .models import DispatchStatus, Notice, NoticeDelivery, NoticeDispatch, NoticeRead


class NoticeError(DomainError):
    """A refused notice operation."""


def _check_admin(actor) -> None:
    if not is_occto_admin(actor):
        raise NoticeError(_("Only OCCTO administrators may write or e-mail notices."))


def notice_save(*, actor, notice: Notice, operators) -> Notice:
    """Create or change `notice` (its field values already set) with the chosen `operators`, and audit it.

    With `to_all_operators` the chosen operators are cleared: the audience is everyone.
    """
    _check_admin(actor)
    with transaction.atomic():
        is_new = notice.pk is None
        before = None
        if not is_new:
            before = Notice.objects.select_for_update().get(pk=notice.pk).audit_values()
        else:
            notice.created_by = actor
        notice.full_clean(exclude=["created_by"])
        notice.save()
        notice.operators.set([] if notice.to_all_operators else list(operators))
        audit.record(
            action="notices.notice_created" if is_new else "notices.notice_changed",
            actor=actor, target=notice, before=before, after=notice.audit_values(),
        )
    return notice


def notice_delete(*, actor, notice: Notice) -> None:
    """Delete a notice with its read marks and dispatch records; the audit log keeps its last values."""
    _check_admin(actor)
    with transaction.atomic():
        audit.record(action="notices.notice_deleted", actor=actor, target=notice, before=notice.audit_values())
        notice.delete()


def notice_mark_read(*, user, notice: Notice) -> NoticeRead:
    """Record that `user` opened `notice`. Idempotent: the first read time is kept."""
    try:
        with transaction.atomic():
            read, _created = NoticeRead.objects.get_or_create(user=user, notice=notice)
    except IntegrityError:  # a concurrent first read won the race
        read = NoticeRead.objects.get(user=user, notice=notice)
    return read


def notice_dispatch_request(*, actor, notice: Notice) -> NoticeDispatch:
    """Queue the e-mailing of `notice` to every active user of its audience (on commit, through Celery).

    Refused when the notice is not published now (its link would not open), when its audience has nobody to
    e-mail, or when a dispatch of it is still in flight.
    Re-sending after a finished dispatch is allowed: it is a new, recorded dispatch.
    """
    from .tasks import send_notice_email

    _check_admin(actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if not notice.is_published():
            raise NoticeError(
                _("“%(title)s” is not published now, so it cannot be e-mailed.") % {"title": notice.title}
            )
        if selectors.open_dispatch_for(notice=notice) is not None:
            raise NoticeError(
                _("“%(title)s” is already being e-mailed; wait until that finishes.") % {"title": notice.title}
            )
        audience = selectors.audience_users(notice=notice).count()
        if not audience:
            raise NoticeError(
                _("“%(title)s” has nobody to e-mail: its audience operators have no active users.")
                % {"title": notice.title}
            )
        dispatch = NoticeDispatch.objects.create(notice=notice, requested_by=actor)
        audit.record(
            action="notices.dispatch_requested", actor=actor, target=notice,
            after={"dispatch": dispatch.pk, "audience": audience},
        )
        transaction.on_commit(lambda: send_notice_email.delay(dispatch.pk))
    return dispatch


def notice_dispatch_send(*, dispatch_id: int) -> int:
    """Queue the e-mails of one dispatch, one per audience user in their language; returns how many this call
    queued.

    Each recipient is recorded as a NoticeDelivery (and counted as sent) in the same transaction that queues
    their mail through `notifications.notify`, so a retried task carries on with those not yet queued. The mail
    task sends and retries; a mail it finally cannot send (e.g. an address the relay refuses) is recorded on its
    delivery and counted as refused by `record_failed_delivery`.
    """
    now = timezone.now()
    started = NoticeDispatch.objects.filter(pk=dispatch_id, status=DispatchStatus.QUEUED).update(
        status=DispatchStatus.SENDING, started_at=now
    )
    dispatch = NoticeDispatch.objects.select_related("notice").get(pk=dispatch_id)
    if dispatch.status == DispatchStatus.SENT:
        return 0
    notice = dispatch.notice
    if started:
        total = selectors.audience_users(notice=notice).count()
        NoticeDispatch.objects.filter(pk=dispatch_id).update(recipient_count=total)
    context = {"notice": notice,
               "url": settings.SITE_URL.rstrip("/") + reverse("notices:detail", kwargs={"pk": notice.pk})}
    sent = 0
    for user in selectors.dispatch_recipients_left(dispatch=dispatch).iterator():
        with transaction.atomic():
            delivery = NoticeDelivery.objects.create(dispatch=dispatch, user=user, email=user.email,
                                                     language=user.language)
            notify(template="notices/email/notice", recipients=[user], context=context,
                   reference={"notice_delivery": delivery.pk})
            NoticeDispatch.objects.filter(pk=dispatch_id).update(sent_count=F("sent_count") + 1)
        sent += 1
    finished = timezone.now()
    with transaction.atomic():
        NoticeDispatch.objects.filter(pk=dispatch_id).update(status=DispatchStatus.SENT, finished_at=finished)
        Notice.objects.filter(pk=notice.pk).update(emailed_at=finished)
        dispatch.refresh_from_db()
        audit.record(
            action="notices.dispatch_sent", actor=None, actor_label="celery", target=notice,
            operator_id=None,
            after={"dispatch": dispatch.pk, "recipients": dispatch.recipient_count,
                   "sent": dispatch.sent_count, "refused": dispatch.failed_count},
        )
    return sent


def record_failed_delivery(reference, error: str) -> None:
    """A notice e-mail the mail task could not send: keep the error on its delivery and count it as refused
    instead of sent. A failure handler of `capacity_market.notifications` (registered in `NoticesConfig.ready`)."""
    delivery_id = reference.get("notice_delivery")
    if delivery_id is None:
        return
    with transaction.atomic():
        delivery = NoticeDelivery.objects.select_for_update().filter(pk=delivery_id, error="").first()
        if delivery is None:  # deleted with its notice, or already recorded
            return
        delivery.error = (error or "?")[:500]
        delivery.save(update_fields=["error"])
        NoticeDispatch.objects.filter(pk=delivery.dispatch_id).update(
            sent_count=F("sent_count") - 1, failed_count=F("failed_count") + 1
        )
