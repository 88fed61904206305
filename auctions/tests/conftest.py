"""Helpers of the auction tests: an auction in its registration window at the fixed clock, and resources."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import Max

from auctions import services
from auctions.models import AdjustmentFactor, Auction, FixedSupplyItem
from conftest import JST
from registration.models import Resource

_codes = itertools.count(1)


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def auction_values(**overrides) -> dict:
    """A main auction whose registration window is open at the suite's clock (Wed 2026-11-25 10:00 JST)."""
    values = {
        "kind": "main",
        "delivery_fiscal_year": 2030,
        "name": "メインオークション（実需給2030年度）",
        "registration_opens_at": jst(2026, 11, 16, 9, 0),
        "expected_capacity_deadline": jst(2026, 12, 4, 18, 0),
        "registration_closes_at": jst(2026, 12, 11, 18, 0),
        "bid_opens_at": jst(2027, 1, 12, 9, 0),
        "bid_closes_at": jst(2027, 1, 20, 18, 0),
        "clearing_at": jst(2027, 2, 1, 9, 0),
        "publication_at": jst(2027, 2, 24, 9, 0),
        "contract_conclusion_at": jst(2027, 3, 31, 9, 0),
        "net_cone": Decimal("10075"),
        "q_upper_kw": 188_813_656,
        "target_kw": 189_966_340,
        "q_zero_kw": 195_652_080,
        "dr_cap_kw": 6_000_000,
    }
    values.update(overrides)
    return values


def make_auction(**overrides) -> Auction:
    if "delivery_fiscal_year" not in overrides:
        latest = Auction.objects.filter(kind=overrides.get("kind", "main")).aggregate(year=Max("delivery_fiscal_year"))
        overrides["delivery_fiscal_year"] = max(latest["year"] or 0, 2030) + 1
    auction = Auction(**auction_values(**overrides))
    auction.full_clean()
    auction.save()
    return auction


def make_resource(operator, **overrides) -> Resource:
    """An approved (master) resource: a stable LNG unit of 150,000 kW in Tokyo unless overridden."""
    values = {
        "grid_code": f"04{next(_codes):020d}",
        "name": "みらい火力1号機",
        "area": "tokyo",
        "category": "stable",
        "generation_type": "lng",
        "installed_kw": 150_000,
        "commissioning_date": dt.date(2005, 4, 1),
        "can_adjust_output": True,
    }
    values.update(overrides)
    return Resource.objects.create(operator=operator, **values)


@pytest.fixture
def auction(db) -> Auction:
    auction = make_auction(delivery_fiscal_year=2030)
    AdjustmentFactor.objects.create(auction=auction, generation_type="solar", area="tokyo", factor=Decimal("0.2345"))
    AdjustmentFactor.objects.create(auction=auction, generation_type="wind", area="tohoku", factor=Decimal("0.5"))
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=12_345_678)
    return auction


@pytest.fixture
def resource_a(operator_a) -> Resource:
    return make_resource(operator_a)


@pytest.fixture
def solar_a(operator_a) -> Resource:
    return make_resource(operator_a, name="みらい太陽光", category="variable", generation_type="solar",
                         installed_kw=4_321, can_adjust_output=False)


def apply(auction, resource, actor, kw=None):
    return services.submit_expected_capacity_application(auction=auction, resource=resource, actor=actor,
                                                         expected_kw=kw)


def approve(application, reviewer):
    return services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                          expected_version=application.version)


def bidding_auction(**overrides) -> Auction:
    """An auction whose bid window is open at the suite's clock (Wed 2026-11-25 10:00 JST) and closes that day at
    18:00:00 JST."""
    values = {
        "registration_opens_at": jst(2026, 10, 1, 9, 0),
        "expected_capacity_deadline": jst(2026, 10, 20, 18, 0),
        "registration_closes_at": jst(2026, 10, 30, 18, 0),
        "bid_opens_at": jst(2026, 11, 18, 9, 0),
        "bid_closes_at": jst(2026, 11, 25, 18, 0),
        "clearing_at": jst(2026, 12, 1, 9, 0),
        "publication_at": jst(2026, 12, 16, 9, 0),
        "contract_conclusion_at": jst(2027, 1, 29, 9, 0),
    }
    values.update(overrides)
    return make_auction(**values)


def qualify(auction, resource, expected_kw: int, *, reviewer=None):
    """Give the resource an approved expected capacity (参加資格) in the auction without the review screens."""
    from django.utils import timezone

    from auctions.models import ExpectedCapacity, ExpectedCapacityApplication

    application = ExpectedCapacityApplication.objects.create(
        kind="new", status="approved", operator_id=resource.operator_id, auction=auction, resource=resource,
        expected_kw=expected_kw, installed_kw=max(expected_kw, resource.installed_kw),
    )
    return ExpectedCapacity.objects.create(
        auction=auction, resource=resource, application=application, expected_kw=expected_kw,
        installed_kw=max(expected_kw, resource.installed_kw), approved_at=timezone.now(),
    )


def make_bid(auction, resource, *, quantity_kw: int, price_yen: int, user, status: str = "active"):
    """A stored bid (with its first version and receipt) written directly, for tests of what reads bids. Its area
    and category are the resource's now, as `submit_bids` would take them."""
    import uuid

    from django.utils import timezone

    from auctions.models import Bid, BidSubmission, BidVersion

    now = timezone.now()
    submission = BidSubmission.objects.create(auction=auction, operator_id=resource.operator_id, submitted_by=user,
                                              idempotency_key=uuid.uuid4(), accepted_at=now, bid_count=1)
    bid = Bid.objects.create(auction=auction, resource=resource, operator_id=resource.operator_id, status=status,
                             area=resource.area, category=resource.category, quantity_kw=quantity_kw,
                             price_yen=price_yen, submission=submission, created_at=now, updated_at=now)
    BidVersion.objects.create(bid=bid, version=1, action="created", status=status, area=bid.area,
                              category=bid.category, quantity_kw=quantity_kw, price_yen=price_yen,
                              submission=submission, created_at=now, created_by=user)
    return bid


# --- the bid tests' auction and resources (test_bids, test_bid_pages, test_bid_import) ------------------------------
@pytest.fixture
def bid_auction(db):
    return bidding_auction()  # Net CONE 10,075 → upper price 15,112.5; closes 2026-11-25 18:00:00 JST


@pytest.fixture
def res_a(operator_a, bid_auction):
    resource = make_resource(operator_a, name="みらい火力1号機")
    qualify(bid_auction, resource, 100_000)
    return resource


@pytest.fixture
def res_a2(operator_a, bid_auction):
    resource = make_resource(operator_a, name="みらい火力2号機")
    qualify(bid_auction, resource, 50_000)
    return resource
