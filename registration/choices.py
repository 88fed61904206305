"""Choice sets shared by registration and the apps built on it (auctions, contracts, …).

The keys are the ones of `clearing-format.md` (area and category), so a bid's area and category can be passed
to the clearing engine as they are. Other apps import these from here; registration imports no other app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Area(models.TextChoices):
    """The 9 areas of the market (Okinawa is outside it)."""

    HOKKAIDO = "hokkaido", _("Hokkaido")
    TOHOKU = "tohoku", _("Tohoku")
    TOKYO = "tokyo", _("Tokyo")
    CHUBU = "chubu", _("Chubu")
    HOKURIKU = "hokuriku", _("Hokuriku")
    KANSAI = "kansai", _("Kansai")
    CHUGOKU = "chugoku", _("Chugoku")
    SHIKOKU = "shikoku", _("Shikoku")
    KYUSHU = "kyushu", _("Kyushu")


class ResourceCategory(models.TextChoices):
    """The resource categories (区分) of domain.md §1."""

    STABLE = "stable", _("Stable resource")
    VARIABLE = "variable", _("Variable resource (stand-alone)")
    VARIABLE_AGGREGATE = "variable_aggregate", _("Variable resource (aggregated)")
    DISPATCH = "dispatch", _("Dispatch-instruction resource")


# Categories whose resource is a list of member units (電源等リスト).
AGGREGATED_CATEGORIES = frozenset({ResourceCategory.VARIABLE_AGGREGATE, ResourceCategory.DISPATCH})
# Categories computed with the adjustment factor (調整係数) of their type and area.
VARIABLE_CATEGORIES = frozenset({ResourceCategory.VARIABLE, ResourceCategory.VARIABLE_AGGREGATE})


class GenerationType(models.TextChoices):
    """The 13 generation types (発電方式) of domain.md §1."""

    HYDRO = "hydro", _("Conventional hydro")
    PUMPED_STORAGE = "pumped_storage", _("Pumped storage")
    COAL = "coal", _("Coal")
    LNG = "lng", _("LNG")
    OIL_OTHER = "oil_other", _("Oil and other fuels")
    NUCLEAR = "nuclear", _("Nuclear")
    SOLAR = "solar", _("Solar")
    WIND = "wind", _("Wind")
    GEOTHERMAL = "geothermal", _("Geothermal")
    BIOMASS = "biomass", _("Biomass")
    BATTERY = "battery", _("Battery")
    DR = "dr", _("Demand response")
    OTHER = "other", _("Other")


# Storage types that, as stable resources, must run at least `MIN_STORAGE_HOURS` continuously.
STORAGE_TYPES = frozenset({GenerationType.PUMPED_STORAGE, GenerationType.BATTERY})


class FitStatus(models.TextChoices):
    NONE = "none", _("Neither FIT nor FIP")
    FIT = "fit", _("FIT")
    FIP = "fip", _("FIP")
