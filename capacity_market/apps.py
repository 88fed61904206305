from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapacityMarketConfig(AppConfig):
    name = "capacity_market"
    verbose_name = _("Capacity market core")
