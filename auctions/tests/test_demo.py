"""The demo data holds an auction in its registration window (qualified and pending expected capacity), one in its
bid window with bids, and one cleared and published with a short block and a binding DR cap."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from auctions.models import (
    Auction,
    Bid,
    BidSubmission,
    ClearingOutcome,
    ClearingRun,
    ExpectedCapacity,
    ExpectedCapacityApplication,
)

pytestmark = pytest.mark.django_db


def test_the_demo_auction_is_in_its_registration_window_with_parameters_and_expected_capacity():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    auction = Auction.objects.get(kind="main", registration_opens_at__gt=timezone.now() - dt.timedelta(days=30))
    assert auction.phase_state().registration_open
    assert auction.adjustment_factors.count() == 18 and auction.fixed_supply_items.count() == 3
    assert ExpectedCapacity.objects.filter(auction=auction).count() == 2
    pending = ExpectedCapacityApplication.objects.filter(status="submitted", auction=auction)
    assert pending.count() == 2 and all(application.working for application in pending)


def test_the_demo_has_an_auction_open_for_bids_and_one_with_published_results():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (idempotent: nothing doubles)
    bidding = Auction.objects.get(kind="additional")
    assert bidding.phase_state().bid_by_clock
    assert ExpectedCapacity.objects.filter(auction=bidding).count() == 8
    assert Bid.objects.filter(auction=bidding).count() == 2 and BidSubmission.objects.filter(auction=bidding).count() == 1

    published = Auction.objects.get(kind="main", bids_closed_at__isnull=False)
    run = ClearingRun.objects.get(auction=published)
    assert run.status == "published" and run.is_published
    # Fixed 200,000 kW; the curve meets the supply at Kyushu's battery step: the national price is 8,000 yen/kW.
    # Kyushu is short by 10,000 kW and takes its 9,500-yen battery; the DR cap of 1,000 kW excludes both DR bids.
    assert run.national_price == 8_000
    assert run.area_prices["kyushu"] == 9_500 and run.area_prices["tokyo"] == 8_000
    outcomes = ClearingOutcome.objects.filter(run=run)
    assert outcomes.count() == 7 and outcomes.filter(excluded_by_dr_cap=True).count() == 2
    assert run.awarded_kw == 450_000 + 6_102 + 18_000 + 450_000 + 18_000


def test_every_demo_expected_capacity_and_bid_keeps_the_auctions_thresholds():
    """The demo follows the market rules it shows: every expected capacity, approved or waiting for review, is at
    least its auction's threshold (the aggregates' units together, too), and every bid is between the smallest
    bid and its resource's approved expected capacity."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    applications = ExpectedCapacityApplication.objects.select_related("auction", "resource")
    assert applications.filter(resource__category="variable_aggregate", status="submitted").count() == 2
    for application in applications:
        assert application.expected_kw >= application.auction.threshold_kw, application
    for qualification in ExpectedCapacity.objects.select_related("auction"):
        assert qualification.expected_kw >= qualification.auction.threshold_kw, qualification
    qualified = {(q.auction_id, q.resource_id): q.expected_kw for q in ExpectedCapacity.objects.all()}
    bids = Bid.objects.select_related("auction")
    assert bids.exists()
    for bid in bids:
        assert bid.auction.min_bid_kw <= bid.quantity_kw <= qualified[(bid.auction_id, bid.resource_id)], bid
