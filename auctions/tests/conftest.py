"""Helpers of the auction tests: an auction in its registration window at the fixed clock, and resources, all made
by the shared factories (tests/factories.py), which go through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from auctions.models import AdjustmentFactor, Auction, FixedSupplyItem
from auctions.qualification import services
from conftest import JST
from registration.models import Resource
from tests.factories import AuctionFactory, ExpectedCapacityFactory, ResourceFactory


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def auction(db) -> Auction:
    auction = AuctionFactory(delivery_fiscal_year=2030)
    AdjustmentFactor.objects.create(auction=auction, generation_type="solar", area="tokyo", factor=Decimal("0.2345"))
    AdjustmentFactor.objects.create(auction=auction, generation_type="wind", area="tohoku", factor=Decimal("0.5"))
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=12_345_678)
    return auction


@pytest.fixture
def resource_a(operator_a, user_a) -> Resource:
    return ResourceFactory(operator=operator_a, submitted_by=user_a)


@pytest.fixture
def solar_a(operator_a, user_a) -> Resource:
    return ResourceFactory(operator=operator_a, submitted_by=user_a, name="みらい太陽光", category="variable", generation_type="solar",
                           installed_kw=4_321, can_adjust_output=False)


def apply(auction, resource, actor, kw=None):
    return services.submit_expected_capacity_application(auction=auction, resource=resource, actor=actor,
                                                         expected_kw=kw)


def approve(application, reviewer):
    return services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                          expected_version=application.version)


# --- the bid tests' auction and resources (test_bids, test_bid_pages, test_bid_import) ------------------------------
@pytest.fixture
def bid_auction(db):
    return AuctionFactory(bidding=True)  # Net CONE 10,075 → upper price 15,112.5; closes 2026-11-25 18:00:00 JST


@pytest.fixture
def res_a(operator_a, user_a, bid_auction):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, name="みらい火力1号機")
    ExpectedCapacityFactory(auction=bid_auction, resource=resource, expected_kw=100_000, submitted_by=user_a)
    return resource


@pytest.fixture
def res_a2(operator_a, user_a, bid_auction):
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, name="みらい火力2号機")
    ExpectedCapacityFactory(auction=bid_auction, resource=resource, expected_kw=50_000, submitted_by=user_a)
    return resource
