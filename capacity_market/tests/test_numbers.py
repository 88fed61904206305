"""The one formatting of kW, yen and yen/kW (capacity_market.numbers and its template filters)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.template import Context, Template
from django.utils import translation

from capacity_market import numbers


@pytest.mark.parametrize(("value", "expected"), [
    (50000, "50,000"), (0, "0"), (999, "999"), (1000, "1,000"), (-1234, "-1,234"), (Decimal("15112.5"), "15,112.5"),
    (Decimal("13500.00"), "13,500"), (Decimal("1E+4"), "10,000"), (Fraction(30225, 2), "15,112.5"),
    ("50000", "50,000"), ("1,234", "1,234"), (None, "—"), ("", "—"), (188_813_656, "188,813,656"),
])
def test_a_number_has_thousands_separators_and_keeps_its_half_yen(value, expected):
    assert numbers.number(value) == expected


def test_floats_are_refused_because_they_are_not_exact():
    with pytest.raises(TypeError):
        numbers.number(0.1)


@pytest.mark.parametrize(("language", "expected"), [
    ("ja", ["50,000 kW", "1,234,567円", "13,500円/kW", "15,112.5円/kW", "—", "-1,000円"]),
    ("en", ["50,000 kW", "1,234,567 yen", "13,500 yen/kW", "15,112.5 yen/kW", "—", "-1,000 yen"]),
])
def test_units_read_in_the_users_language(language, expected):
    with translation.override(language):
        assert [numbers.kw(50000), numbers.yen(1234567), numbers.yen_per_kw(13500),
                numbers.yen_per_kw(Decimal("15112.5")), numbers.kw(None), numbers.yen(-1000)] == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("ja", "50,000|50,000 kW|1,234,567円|15,112.5円/kW|—"),
    ("en", "50,000|50,000 kW|1,234,567 yen|15,112.5 yen/kW|—"),
])
def test_the_template_filters_are_the_same_helpers(language, expected):
    template = Template("{% load numbers %}{{ a|num }}|{{ a|kw }}|{{ b|yen }}|{{ c|yen_per_kw }}|{{ d|kw }}")
    with translation.override(language):
        assert template.render(Context({"a": 50000, "b": 1234567, "c": Decimal("15112.5"), "d": None})) == expected


def test_unit_fields_are_named_by_their_unit():
    assert numbers.is_unit_field("installed_kw") and numbers.is_unit_field("amount_yen")
    assert not numbers.is_unit_field("version") and not numbers.is_unit_field("delivery_fiscal_year")
