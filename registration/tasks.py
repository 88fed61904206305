"""Thin Celery tasks of registration: they take IDs and call services."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_use_application_receipt(application_id: int) -> None:
    services.send_use_application_receipt(application_id=application_id)


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def send_resubmit_link(application_id: int) -> None:
    services.send_resubmit_link(application_id=application_id)


@shared_task
def run_import_job(job_id: int) -> None:
    """Validate or import one resource CSV job in the background (capacity_market.bulk_import)."""
    from capacity_market import bulk_import

    bulk_import.run(job_id)
