"""Thin Celery tasks of the shared core: they take IDs (or, for e-mail, the rendered message) and call services."""

from celery import shared_task

from . import bulk_import, notifications


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


@shared_task
def recover_stalled_imports() -> int:
    """Celery beat, every 5 minutes: release CSV import jobs a dead worker or a lost task left running."""
    return bulk_import.recover_stalled()
