"""Thin Celery tasks of the shared core: they take IDs and call services."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from . import bulk_import
from .models import ApplicationHistory
from .review import ReviewStatus


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
