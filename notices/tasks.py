"""Thin Celery tasks of notices: they take IDs and call a service."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_notice_email(dispatch_id: int) -> int:
    """E-mail one dispatch of a notice to its audience, each recipient in their own language."""
    return services.notice_dispatch_send(dispatch_id=dispatch_id)
