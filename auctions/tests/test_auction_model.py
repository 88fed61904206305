"""Auction parameters and the phase state derived from the clock and the service window."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from auctions.models import TransitionalDeductionCoefficient
from auctions.schedule.phases import phase_state
from tests.factories import AuctionFactory

from .conftest import jst

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("net_cone", "upper"), [("10013", "15019.5"), ("10156", "15234"), ("10075", "15112.5")])
def test_the_upper_price_is_exactly_one_and_a_half_times_net_cone(net_cone, upper):
    auction = AuctionFactory.build(net_cone=Decimal(net_cone))
    assert auction.upper_price == Decimal(upper)
    assert str(auction.upper_price) == upper


def test_phases_out_of_order_are_refused_with_the_field_named():
    auction = AuctionFactory.build(bid_closes_at=jst(2027, 1, 10, 18, 0))
    with pytest.raises(ValidationError) as info:
        auction.full_clean()
    assert "bid_closes_at" in info.value.message_dict


def test_the_expected_capacity_deadline_must_fall_inside_the_registration_window():
    auction = AuctionFactory.build(expected_capacity_deadline=jst(2026, 12, 12, 18, 0))
    with pytest.raises(ValidationError) as info:
        auction.full_clean()
    assert "registration_closes_at" in info.value.message_dict


def test_a_bid_window_that_opens_as_it_closes_is_refused_but_registration_may_close_as_bids_open():
    with pytest.raises(ValidationError):
        AuctionFactory.build(bid_closes_at=jst(2027, 1, 12, 9, 0)).full_clean()
    AuctionFactory.build(bid_opens_at=jst(2026, 12, 11, 18, 0)).full_clean()


def test_demand_curve_quantities_must_grow():
    with pytest.raises(ValidationError) as info:
        AuctionFactory.build(target_kw=100).full_clean()
    assert "target_kw" in info.value.message_dict


def test_the_delivery_fiscal_year_runs_from_april_to_march():
    auction = AuctionFactory.build(delivery_fiscal_year=2030)
    assert auction.delivery_period == (dt.date(2030, 4, 1), dt.date(2031, 3, 31))


def test_the_deduction_coefficient_follows_the_plant_age_class():
    auction = AuctionFactory()
    TransitionalDeductionCoefficient.objects.create(auction=auction, label="2010年度末以前", coefficient=Decimal("0.58"),
                                                    commissioned_until=dt.date(2011, 3, 31))
    TransitionalDeductionCoefficient.objects.create(auction=auction, label="2015年度末以前", coefficient=Decimal("0.8"),
                                                    commissioned_until=dt.date(2016, 3, 31))
    assert auction.deduction_coefficient_for(dt.date(2011, 3, 31)) == Decimal("0.58")
    assert auction.deduction_coefficient_for(dt.date(2011, 4, 1)) == Decimal("0.8")
    assert auction.deduction_coefficient_for(dt.date(2020, 1, 1)) == Decimal(1)


# --- phase state at the boundaries (service window open on these weekdays at these hours) ---------------------------
def test_registration_opens_exactly_at_its_instant_and_not_a_microsecond_before():
    auction = AuctionFactory()
    opens = auction.registration_opens_at  # Mon 2026-11-16 09:00 JST
    before = phase_state(auction, opens - dt.timedelta(microseconds=1), service_open=True)
    at = phase_state(auction, opens)
    assert (before.stage, before.registration_open) == ("upcoming", False)
    assert (at.stage, at.registration_open, at.expected_capacity_open) == ("registration", True, True)


def test_the_expected_capacity_deadline_instant_itself_is_closed():
    auction = AuctionFactory()
    deadline = auction.expected_capacity_deadline  # Fri 2026-12-04 18:00 JST
    just_before = phase_state(auction, deadline - dt.timedelta(seconds=1))
    at = phase_state(auction, deadline, service_open=True)
    assert just_before.expected_capacity_open
    assert not at.expected_capacity_open and at.registration_open


def test_the_bid_window_closes_at_its_instant():
    auction = AuctionFactory()
    closes = auction.bid_closes_at  # Wed 2027-01-20 18:00 JST
    assert phase_state(auction, closes - dt.timedelta(seconds=1)).bid_open
    state = phase_state(auction, closes, service_open=True)
    assert not state.bid_open and state.stage == "clearing"


def test_a_window_open_by_the_clock_is_closed_outside_service_hours():
    auction = AuctionFactory()
    saturday = jst(2026, 11, 28, 10, 0)
    evening = jst(2026, 11, 25, 18, 0)
    for now in (saturday, evening):
        state = phase_state(auction, now)
        assert state.registration_by_clock and not state.registration_open
        assert state.closed_by_service_window and state.open_windows == []


def test_a_window_follows_the_clock_alone_when_the_service_window_is_not_enforced(settings):
    settings.SERVICE_WINDOW_ENFORCED = False
    state = phase_state(AuctionFactory(), jst(2026, 11, 28, 10, 0))
    assert state.registration_open


def test_the_next_deadline_is_the_first_operator_deadline_still_ahead():
    auction = AuctionFactory()
    assert phase_state(auction, jst(2026, 11, 25, 10, 0)).next_deadline.key == "expected_capacity_deadline"
    assert phase_state(auction, jst(2026, 12, 4, 18, 0)).next_deadline.key == "registration_closes_at"
    assert phase_state(auction, jst(2026, 12, 11, 18, 0)).next_deadline.key == "bid_closes_at"
    assert phase_state(auction, jst(2027, 1, 20, 18, 0)).next_deadline is None


def test_the_stage_walks_through_every_phase():
    auction = AuctionFactory()
    stages = [phase_state(auction, at, service_open=True).stage for at in (
        jst(2026, 11, 1), jst(2026, 11, 20), jst(2026, 12, 20), jst(2027, 1, 15), jst(2027, 2, 2), jst(2027, 3, 1),
        jst(2027, 4, 1))]
    assert stages == ["upcoming", "registration", "waiting_for_bids", "bidding", "clearing", "published",
                      "contracted"]


def test_with_the_publication_known_the_stage_follows_it_rather_than_the_date():
    auction = AuctionFactory()  # publication_at 2027-02-24 09:00 JST
    after_the_date, before_the_date = jst(2027, 3, 1), jst(2027, 2, 2)
    auction.results_published = False  # as auctions.schedule.selectors annotates it
    assert phase_state(auction, after_the_date, service_open=True).stage == "clearing"  # OCCTO has not published
    auction.results_published = True
    assert phase_state(auction, before_the_date, service_open=True).stage == "published"  # published early
    assert phase_state(auction, jst(2027, 4, 1), service_open=True).stage == "contracted"
