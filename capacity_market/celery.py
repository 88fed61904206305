import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_market.settings")

app = Celery("capacity_market")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _require_production_settings(**kwargs) -> None:
    """Refuse to start the worker or beat on half-configured production settings (capacity_market.startup).

    Celery logs an exception raised by a signal handler and carries on, so the refusal is a SystemExit, which it
    does not catch: the process prints the reason and exits with status 1."""
    from django.core.exceptions import ImproperlyConfigured

    from capacity_market.startup import require_production_settings

    try:
        require_production_settings()
    except ImproperlyConfigured as refused:
        raise SystemExit(f"ImproperlyConfigured: {refused}") from None
