"""Thin Celery tasks of notices: they take IDs and call a service."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_notice_email(dispatch_id: int) -> int:
    """Queue the e-mails of one dispatch of a notice to its audience (capacity_market.notifications sends them);
    a retry after a lost database connection carries on with the recipients not yet queued."""
    return services.notice_dispatch_send(dispatch_id=dispatch_id)
