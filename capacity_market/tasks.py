"""Thin Celery tasks of the shared core: they take IDs and call services."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from . import bulk_import, notifications
from .models import ApplicationHistory
from .review import ReviewStatus


@shared_task(bind=True, max_retries=notifications.MAX_RETRIES)
def send_notification(self, *, message: dict) -> int:
    """Send one e-mail rendered by `notifications.notify`; retry transient failures with back-off.

    A message that cannot be sent is logged and reported by `notifications.give_up`, not raised: the task has
    done all it can, and the log has the address and the template. Run in-process (no broker: development and
    the unit tests) nobody would come back later, so the retries follow at once."""
    retries = self.request.retries
    while True:
        try:
            return notifications.deliver(message)
        except Exception as exc:
            if not notifications.should_retry(exc, retries=retries):
                notifications.give_up(message, exc, attempts=retries + 1)
                return 0
            delay = 0 if self.request.is_eager else notifications.retry_delay(retries)
            notifications.log_retry(message, exc, attempt=retries + 1, delay=delay)
            if not self.request.is_eager:
                raise self.retry(exc=exc, countdown=delay) from exc
            retries += 1


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_review_notice(history_id: int) -> int:
    """E-mail the applicant(s) of an application about one transition, each in their own language."""
    entry = ApplicationHistory.objects.select_related("content_type").get(pk=history_id)
    application = entry.content_type.get_object_for_this_type(pk=entry.object_id)
    sent = 0
    for email, language in application.notice_recipients():
        with translation.override(language):
            context = {
                "application": application,
                "application_type": application._meta.verbose_name,
                "entry": entry,
                "status_label": ReviewStatus(entry.to_status).label,
                "site_url": settings.SITE_URL,
            }
            subject = render_to_string("capacity_market/email/review_notice_subject.txt", context).strip()
            body = render_to_string("capacity_market/email/review_notice_body.txt", context)
        sent += send_mail(subject, body, None, [email])
    return sent


@shared_task
def recover_stalled_imports() -> int:
    """Celery beat, every 5 minutes: release CSV import jobs a dead worker or a lost task left running."""
    return bulk_import.recover_stalled()
