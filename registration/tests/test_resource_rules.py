"""Every rule a resource must satisfy (registration.rules), checked without the database where possible."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from registration.rules import check_resource, is_fit_eligible
from tests.factories import unit

from .resource_data import aggregate_values, resource_values


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fields(values, units=()):
    return [(field or "").split(".")[0] for field, _message in check_resource(values, list(units))]


def test_a_valid_stable_resource_has_no_violations():
    assert check_resource(resource_values(), []) == []


@pytest.mark.parametrize("code", ["123", "0" * 21, "0" * 23, "０" * 22, "A" + "0" * 21, "", " " * 22])
def test_a_grid_code_must_be_exactly_22_half_width_digits(code):
    assert "grid_code" in fields(resource_values(grid_code=code))


def test_an_area_outside_the_nine_is_refused():
    assert "area" in fields(resource_values(area="okinawa"))


@pytest.mark.parametrize("category,gen", [("stable", "lng"), ("variable", "wind"), ("dispatch", "oil_other")])
def test_no_category_threshold_on_installed_capacity(category, gen):
    """The 1,000 kW thresholds are on the expected capacity per auction (auctions.qualification), not here:
    installed capacity only bounds the expected capacity from above, so 999 kW registers (and 0 does not)."""
    assert fields(resource_values(category=category, generation_type=gen, installed_kw=999)) == []
    assert fields(resource_values(category=category, generation_type=gen, installed_kw=1)) == []
    assert "installed_kw" in fields(resource_values(category=category, generation_type=gen, installed_kw=0))


def test_an_aggregated_variable_resource_needs_members_each_below_1000_kw_installed():
    good = [unit(500), unit(500)]
    assert check_resource(aggregate_values(good), good) == []
    edge = [unit(999), unit(999)]
    assert check_resource(aggregate_values(edge), edge) == []
    big = [unit(1000), unit(200)]
    violations = check_resource(aggregate_values(big), big)
    assert [f for f, m in violations if "below 1,000 kW" in m] == ["units.1.installed_kw"]
    small = [unit(400), unit(500)]  # 900 kW in total registers: the threshold is on the expected capacity
    assert check_resource(aggregate_values(small), small) == []


def test_an_aggregated_variable_resource_without_members_is_refused():
    assert "units" in fields(aggregate_values([]))


def test_the_installed_capacity_of_an_aggregate_must_equal_its_members_total():
    members = [unit(600), unit(600)]
    assert "installed_kw" in fields(aggregate_values(members, installed_kw=1500), members)


def test_a_dispatch_aggregate_has_no_per_member_cap_and_no_installed_threshold():
    members = [unit(300, generation_type="dr"), unit(1500, generation_type="dr")]
    values = resource_values(category="dispatch", generation_type="dr", installed_kw=1800)
    assert check_resource(values, members) == []
    members = [unit(300, generation_type="dr"), unit(600, generation_type="dr")]
    assert check_resource(resource_values(category="dispatch", generation_type="dr", installed_kw=900),
                          members) == []


def test_member_units_belong_only_to_aggregated_categories():
    assert "units" in fields(resource_values(), [unit(500)])


def test_member_units_with_duplicate_or_own_or_bad_grid_codes_or_another_area_are_refused():
    values = aggregate_values([unit(500), unit(500)])
    for members in (
        [unit(500, code="0" * 22), unit(500, code="0" * 22)],
        [unit(500, code=values["grid_code"]), unit(500)],
        [unit(500, code="12"), unit(500)],
        [unit(500, area="kansai"), unit(500)],
    ):
        assert "units" in fields(values, members)


@pytest.mark.parametrize("gen", ["battery", "pumped_storage"])
def test_storage_as_stable_needs_at_least_three_hours_of_continuous_output(gen):
    assert "continuous_output_hours" in fields(resource_values(generation_type=gen))
    assert "continuous_output_hours" in fields(resource_values(generation_type=gen, continuous_output_hours=2.9))
    assert fields(resource_values(generation_type=gen, continuous_output_hours=3)) == []


def test_storage_as_dispatch_needs_no_continuous_output_hours():
    assert fields(resource_values(category="dispatch", generation_type="battery")) == []


def test_a_variable_resource_is_solar_wind_or_hydro_and_dr_is_dispatch_only():
    assert "generation_type" in fields(resource_values(category="variable", generation_type="coal"))
    assert "generation_type" in fields(resource_values(generation_type="dr"))


@pytest.mark.parametrize("status", ["fit", "fip"])
def test_fit_and_fip_resources_need_a_support_end_date(status):
    assert "support_end_date" in fields(resource_values(fit_status=status))
    assert fields(resource_values(fit_status=status, support_end_date=datetime.date(2027, 3, 31))) == []


def test_a_support_end_date_without_fit_or_fip_is_refused():
    assert "support_end_date" in fields(resource_values(support_end_date=datetime.date(2027, 3, 31)))


def test_fit_eligibility_depends_on_the_support_ending_before_the_delivery_year():
    fit = SimpleNamespace(fit_status="fit", support_end_date=datetime.date(2029, 3, 31))
    assert is_fit_eligible(fit, 2029)
    assert not is_fit_eligible(fit, 2028)
    fip = SimpleNamespace(fit_status="fip", support_end_date=datetime.date(2029, 4, 1))
    assert not is_fit_eligible(fip, 2029)
    assert is_fit_eligible(fip, 2030)
    assert not is_fit_eligible(SimpleNamespace(fit_status="fit", support_end_date=None), 2040)
    assert is_fit_eligible(SimpleNamespace(fit_status="none", support_end_date=None), 2029)


# --- plausible bounds (the same for the form, the CSV import and the DB) ---------------------------------------
@pytest.mark.parametrize("hours", [-1, Decimal("-0.1"), Decimal("24.1"), 100, Decimal("9999.9")])
def test_continuous_output_hours_outside_0_to_24_are_refused_for_any_resource(hours):
    assert fields(resource_values(continuous_output_hours=hours)) == ["continuous_output_hours"]
    assert fields(resource_values(generation_type="battery", continuous_output_hours=hours)) \
        == ["continuous_output_hours"]  # one message (the range), not also the 3-hour rule
    [(_field, message)] = check_resource(resource_values(continuous_output_hours=hours), [])
    assert message == "Enter the continuous output hours as a number from 0 to 24 (24 for a resource that can run " \
                      "around the clock)."


@pytest.mark.parametrize("hours", [0, Decimal("0.5"), 24, None])
def test_continuous_output_hours_from_0_to_24_are_accepted(hours):
    assert fields(resource_values(continuous_output_hours=hours)) == []


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(1899, 12, 31), datetime.date(2101, 1, 1),
                                 datetime.date(9999, 12, 31)])
def test_an_implausible_commissioning_date_is_refused(day):
    [(field, message)] = check_resource(resource_values(commissioning_date=day), [])
    assert field == "commissioning_date"
    assert message == "Enter a commissioning date from 1900-01-01 to 2100-12-31."


@pytest.mark.parametrize("day", [datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)])
def test_the_commissioning_date_bounds_themselves_are_accepted(day):
    assert fields(resource_values(commissioning_date=day)) == []
