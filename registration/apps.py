from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = _("Participation registration")

    def ready(self) -> None:
        from . import resource_import  # noqa: F401  (registers the resource CSV format with the import engine)
