"""Choice sets shared by registration and the apps built on it (auctions, contracts, …).

The area and category codes are defined once, in `capacity_market.market_codes` (no Django: the clearing engine
imports the same module), and `Area` and `ResourceCategory` are built from them here with translatable labels, so
a bid's area and category are passed to the clearing engine as they are. Other apps import these from here;
registration imports no other app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from capacity_market import market_codes


def _choices(name: str, codes: tuple[market_codes.MarketCode, ...], doc: str) -> type[models.TextChoices]:
    """A TextChoices with one member per code (`HOKKAIDO = "hokkaido", _("Hokkaido")`), in the codes' order."""
    choices = models.TextChoices(name, [(c.code.upper(), (c.code, _(c.name))) for c in codes])
    choices.__doc__ = doc
    choices.__module__ = __name__
    return choices


# HOKKAIDO … KYUSHU
Area = _choices("Area", market_codes.AREA_CODES, "The 9 areas of the market (Okinawa is outside it).")
# STABLE, VARIABLE, VARIABLE_AGGREGATE, DISPATCH
ResourceCategory = _choices("ResourceCategory", market_codes.CATEGORY_CODES,
                            "The resource categories (区分) of domain.md §1.")


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
