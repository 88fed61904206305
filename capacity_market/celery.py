import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_market.settings")

app = Celery("capacity_market")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _require_configured_secret(**kwargs) -> None:
    from capacity_market.startup import require_configured_secret

    require_configured_secret()
