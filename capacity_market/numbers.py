"""Numbers as people read them: kW, yen and yen/kW with thousands separators, in the user's language.

The one formatting of quantities and prices, for templates (the `numbers` template library: `num`, `kw`, `yen`,
`yen_per_kw`) and for messages written in Python (forms, services, admin), so a page and the message about it
show the same 「13,500円/kW」:

    number(50000)                  → "50,000"            (a table cell whose heading names the unit)
    kw(50000)                      → "50,000 kW"
    yen(1234567)                   → "1,234,567円"       ("1,234,567 yen" in English)
    yen_per_kw(Decimal("15112.5")) → "15,112.5円/kW"     ("15,112.5 yen/kW"); prices may be x.5 (P_up = 1.5 × Net CONE)

Values are exact: int, Decimal (trailing zeros dropped: 13500.00 → 13,500), Fraction (as a finite decimal when it
is one) or a string of digits; never a float. None (and "") gives "—", the empty cell of every table.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils import formats
from django.utils.translation import gettext

EMPTY = "—"
# Model fields holding a quantity or an amount are named by their unit; the kit's `display_value` and the admin
# format these with separators.
UNIT_SUFFIXES = ("_kw", "_yen")


def _exact(value) -> int | Decimal:
    if isinstance(value, (bool, float)):
        raise TypeError(f"not an exact number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return value.numerator
        value = Decimal(value.numerator) / Decimal(value.denominator)
    value = Decimal(str(value).replace(",", "")) if not isinstance(value, Decimal) else value
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def number(value) -> str:
    """`value` with thousands separators (and its decimals, if any), in the active language's format."""
    if value is None or value == "":
        return EMPTY
    exact = _exact(value)
    return formats.number_format(exact, use_l10n=True, force_grouping=True)


def kw(value) -> str:
    """"50,000 kW"."""
    return EMPTY if value is None or value == "" else gettext("%(value)s kW") % {"value": number(value)}


def yen(value) -> str:
    """"1,234,567円" ("1,234,567 yen")."""
    return EMPTY if value is None or value == "" else gettext("%(value)s yen") % {"value": number(value)}


def yen_per_kw(value) -> str:
    """"13,500円/kW" ("13,500 yen/kW")."""
    return EMPTY if value is None or value == "" else gettext("%(value)s yen/kW") % {"value": number(value)}


def is_unit_field(name: str) -> bool:
    """A model field that holds kW or yen (by the naming convention `…_kw`, `…_yen`)."""
    return name.endswith(UNIT_SUFFIXES)
