"""Thin Celery tasks of registration: they take IDs and call services."""

from celery import shared_task


@shared_task
def run_import_job(job_id: int) -> None:
    """Validate or import one resource CSV job in the background (capacity_market.bulk_import)."""
    from capacity_market import bulk_import

    bulk_import.run(job_id)
