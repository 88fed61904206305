from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from capacity_market.notifications import register_failure_handler

        from .services import record_failed_delivery

        register_failure_handler(record_failed_delivery)
