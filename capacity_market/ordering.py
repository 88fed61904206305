"""The market's order of areas (北海道 → 九州) and the declared order of any choices, for the database and Python.

Area codes sort alphabetically ("chubu" < "hokkaido" < "kyushu" < "tohoku"), which no one reads areas in: every list
of areas — a page, an admin list or inline, a CSV file, the demo — uses `market_codes.AREAS`' order instead:

    qs.order_by(area_order(), "pk")                        # in the database (a CASE expression)
    sorted(rows, key=lambda row: area_rank(row.area))      # in Python
    by_area(codes)                                         # a list of codes (e.g. a short block's areas)

`choice_order(field, values)` does the same for any field whose choices have a meaningful declared order (the
generation types of `registration.choices.GenerationType`, for instance). Values not in the list sort last.
"""

from collections.abc import Iterable, Sequence

from django.db.models import Case, IntegerField, Value, When

from .market_codes import AREAS

_AREA_RANK = {code: rank for rank, code in enumerate(AREAS)}


def choice_order(field: str, values: Sequence[str]) -> Case:
    """An expression ranking `field` by the position of its value in `values` (unknown values last)."""
    return Case(*[When(**{field: value}, then=Value(rank)) for rank, value in enumerate(values)],
                default=Value(len(values)), output_field=IntegerField())


def area_order(field: str = "area") -> Case:
    """Order by area, north to south: `qs.order_by(area_order())`, or `area_order("resource__area")`."""
    return choice_order(field, AREAS)


def area_rank(code: str) -> int:
    """The area's position north to south (unknown codes last), the sort key for lists made in Python."""
    return _AREA_RANK.get(code, len(AREAS))


def by_area(codes: Iterable[str]) -> list[str]:
    """The area codes in the market's order."""
    return sorted(codes, key=area_rank)
