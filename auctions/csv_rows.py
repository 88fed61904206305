"""What the auctions' CSV files (expected capacity, bids) share: the auction column, the grid-code column and the
operator's resources they name. Each import checks its own columns on top of these."""

import re
from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from capacity_market.bulk_import import Row
from registration.models import Resource

from .models import Auction

COL_AUCTION = "オークション"
COL_GRID_CODE = "系統コード"


def auctions_by_code() -> dict[str, Auction]:
    """Every auction by its code ("main-2030") and, failing that, its name as the pages show it in Japanese or
    English, all case-insensitive."""
    lookup: dict[str, Auction] = {}
    auctions = list(Auction.objects.prefetch_related("adjustment_factors"))
    for auction in auctions:
        lookup[auction.code.lower()] = auction
    for language in ("ja", "en"):
        with translation.override(language):
            for auction in auctions:
                lookup.setdefault(auction.display_name.strip().lower(), auction)
    return lookup


def grid_codes_and_resources(rows: list[Row], *, operator_id: int) -> tuple[list[str], dict[str, Resource]]:
    """Each row's grid code (spaces and hyphens dropped) and the operator's active resources among them (1 query)."""
    codes = [re.sub(r"[\s\-]", "", row.values[COL_GRID_CODE]) for row in rows]
    resources = {r.grid_code: r for r in Resource.objects.filter(operator_id=operator_id, is_active=True,
                                                                 grid_code__in=[c for c in codes if c])}
    return codes, resources


def check_row(row: Row, code: str, *, auctions: dict[str, Auction], resources: dict[str, Resource],
              err: Callable[[str, str], None]) -> tuple[Auction | None, Resource | None]:
    """The row's auction and resource, reporting through `err(column, message)` extra cells, an unknown auction
    and a missing or unknown grid code."""
    if row.values.get("__extra__"):
        err("", _("This row has more cells than the header."))
    auction = auctions.get(row.values[COL_AUCTION].strip().lower())
    if auction is None:
        err(COL_AUCTION, _("No auction with this code (e.g. main-2030, as in the template)."))
    resource = resources.get(code)
    if not code:
        err(COL_GRID_CODE, _("Enter the grid code."))
    elif resource is None:
        err(COL_GRID_CODE, _("None of your registered resources has this grid code."))
    return auction, resource
