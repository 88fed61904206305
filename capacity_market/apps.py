from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityMarketConfig(AppConfig):
    name = "capacity_market"
    verbose_name = _("Capacity market core")

    def ready(self) -> None:
        # The Celery app becomes the current app before any task is queued (shared tasks bind to it); it used to be
        # imported by the package's __init__, which must stay Django-free (see capacity_market/__init__.py).
        from . import celery  # noqa: F401

        # The reviewer's home panel: each review queue's applications awaiting a decision.
        from .home import register_panel
        from .review.admin import pending_panel

        register_panel(pending_panel)
