"""Thin Celery tasks of auctions."""

from celery import shared_task

from .schedule import services


@shared_task
def send_deadline_reminders() -> int:
    """Beat task: e-mail operator users about each deadline AUCTION_REMINDER_BUSINESS_DAYS business days ahead
    (the e-mails go out through `capacity_market.notifications`, which retries them)."""
    return services.send_deadline_reminders()


@shared_task
def run_import_job(job_id: int) -> None:
    """Validate or import one expected-capacity CSV job in the background (capacity_market.bulk_import)."""
    from capacity_market import bulk_import

    bulk_import.run(job_id)


@shared_task
def run_clearing(run_id: int) -> None:
    """Clear one queued clearing run (auctions.clearing.services.run_clearing marks it failed on any error).

    A re-delivered task finds the run no longer queued and does nothing."""
    from .clearing import services as clearing_service

    clearing_service.run_clearing(run_id)
