"""A bid is cleared as submitted: the area and category it was accepted with (not the resource's today), a run's
input replays exactly from its stored outcomes, and the guards that keep master data from contradicting an open
bid (resource and operator deletion, an expected capacity approved below an active bid)."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from auctions.bidding import services as bidding
from auctions.clearing import services as clearing_service
from auctions.models import (
    Auction,
    Bid,
    BidVersion,
    ClearingOutcome,
    ClearingRun,
    ExpectedCapacity,
    ShortBlock,
)
from auctions.qualification import services
from capacity_market import review
from capacity_market.errors import DomainError
from registration import services as registration_services
from registration.models import Operator, Resource
from tests.factories import (
    AuctionFactory,
    BidFactory,
    ExpectedCapacityApplicationFactory,
    ExpectedCapacityFactory,
    ResourceFactory,
)

from .clearing_db import toy_auction
from .results_support import store_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here (one test switches to Japanese itself)."""
    with translation.override("en"):
        yield


def submit(auction, user, *entries):
    return bidding.submit_bids(auction=auction, actor=user, entries=list(entries), idempotency_key=uuid.uuid4())


def move(resource, **values):
    """A change of the resource's master data (what an approved change application writes)."""
    Resource.objects.filter(pk=resource.pk).update(**values)
    resource.refresh_from_db()


# --- the snapshot -----------------------------------------------------------------------------------------------------
def test_a_bid_keeps_the_area_and_category_it_was_accepted_with(operator_a, user_a):
    auction = AuctionFactory(bidding=True)
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, area="tohoku", category="stable")
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    submit(auction, user_a, (resource.pk, 90_000, 9_000, None))
    move(resource, area="kyushu", category="dispatch")

    bid = Bid.objects.get()
    assert (bid.area, bid.category) == ("tohoku", "stable")
    assert list(BidVersion.objects.values_list("area", "category")) == [("tohoku", "stable")]
    [row] = clearing_service.engine_input(auction=auction, seed="s").bids
    assert row == (bid.bid_code, "tohoku", "stable", 90_000, 9_000)


def test_re_submitting_the_same_bid_on_a_moved_resource_refreshes_it_as_a_change(operator_a, user_a):
    auction = AuctionFactory(bidding=True)
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, area="tohoku")
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    submit(auction, user_a, (resource.pk, 90_000, 9_000, None))
    with pytest.raises(bidding.NothingToSubmit):  # nothing moved: an equal entry is no change
        submit(auction, user_a, (resource.pk, 90_000, 9_000, 1))

    move(resource, area="kyushu")
    submit(auction, user_a, (resource.pk, 90_000, 9_000, 1))
    bid = Bid.objects.get()
    assert (bid.area, bid.version) == ("kyushu", 2)
    assert list(BidVersion.objects.order_by("version").values_list("action", "area")) == [
        ("created", "tohoku"), ("changed", "kyushu")]


def test_a_withdrawal_keeps_the_snapshot_and_a_rebid_takes_the_resource_values_of_now(operator_a, user_a):
    auction = AuctionFactory(bidding=True)
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a, area="tohoku", category="stable")
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    submit(auction, user_a, (resource.pk, 90_000, 9_000, None))
    move(resource, area="chubu")
    bid = Bid.objects.get()
    bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=1, idempotency_key=uuid.uuid4())
    move(resource, area="kansai", category="dispatch")
    submit(auction, user_a, (resource.pk, 80_000, 8_000, 2))

    bid.refresh_from_db()
    assert (bid.status, bid.area, bid.category) == ("active", "kansai", "dispatch")
    assert list(BidVersion.objects.order_by("version").values_list("action", "area", "category")) == [
        ("created", "tohoku", "stable"), ("withdrawn", "tohoku", "stable"), ("rebid", "kansai", "dispatch")]


# --- exact replay of a stored run ------------------------------------------------------------------------------------
def replay(text: str, tmp_path) -> dict:
    """`manage.py clear_auction` on the exported file; its output as a dict."""
    path = tmp_path / "input.json"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("clear_auction", "--input", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_a_runs_export_clears_to_the_stored_result_after_bids_resources_and_short_blocks_change(
        operator_a, user_a, occto_admin, django_capture_on_commit_callbacks, tmp_path):
    auction, bids = toy_auction(operator_a, user_a)
    south = ResourceFactory(operator=operator_a, submitted_by=user_a, name="南の電源", area="kyushu")
    bids.append(BidFactory(auction=auction, resource=south, quantity_kw=100, price_yen=14_500, submitted_by=user_a))
    ShortBlock.objects.create(auction=auction, name="九州", areas=["kyushu"], additional_kw=50)
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    auction.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin, seed="replay")
    run.refresh_from_db()
    assert run.status == "succeeded" and run.national_price == 12_000 and run.area_prices["kyushu"] == 14_500
    exported = clearing_service.export_run_input(run=run)

    # Afterwards: the resource moves, a bid is corrected in the database, the short block is edited and another
    # is added, and a new resource bids. None of it is what the run cleared.
    move(south, area="tokyo", category="dispatch")
    Bid.objects.filter(pk=bids[0].pk).update(quantity_kw=1, price_yen=15_000, area="hokkaido")
    ShortBlock.objects.filter(auction=auction).update(additional_kw=10_000, areas=["kyushu", "shikoku"])
    ShortBlock.objects.create(auction=auction, order=2, name="北", areas=["hokkaido"], additional_kw=5)
    # and a new resource bids (the close undone in the database, so that the service takes the bid)
    closed_at = auction.bids_closed_at
    Auction.objects.filter(pk=auction.pk).update(bids_closed_at=None)
    BidFactory(auction=auction, submitted_by=user_a, quantity_kw=300, price_yen=1, resource__area="shikoku")
    Auction.objects.filter(pk=auction.pk).update(bids_closed_at=closed_at)
    assert clearing_service.export_input(auction=auction, seed="replay") != exported  # the live input moved on

    text = clearing_service.export_run_input(run=ClearingRun.objects.get(pk=run.pk))
    assert text == exported  # byte for byte
    result = replay(text, tmp_path)
    assert result["tie_break_seed"] == "replay"
    assert result["national_price"] == run.national_price
    assert result["area_prices"] == run.area_prices
    assert result["awarded_kw"] == run.awarded_kw
    awards = {award["id"]: award for award in result["awards"]}
    outcomes = list(ClearingOutcome.objects.filter(run=run).order_by("bid_id"))
    assert len(outcomes) == 6 and [o.bid_id for o in outcomes] == [b.pk for b in bids]
    for outcome in outcomes:
        code = Bid(pk=outcome.bid_id).bid_code
        award = awards.get(code, {"awarded_kw": 0, "paid_price": None, "amount_yen": 0})
        assert (award["awarded_kw"], award["paid_price"], award["amount_yen"]) == (
            outcome.awarded_kw, outcome.paid_price, outcome.amount_yen)
        assert (code in result["excluded_by_dr_cap"]) == outcome.excluded_by_dr_cap
    assert sum(o.amount_yen for o in outcomes) == run.total_amount_yen
    document = json.loads(text)
    assert document["short_blocks"] == [{"name": "九州", "areas": ["kyushu"], "additional_kw": 50,
                                         "adjacent": "national"}]
    assert [b["area"] for b in document["bids"]] == ["tokyo"] * 5 + ["kyushu"]


def test_a_run_that_did_not_succeed_has_no_input_to_download(operator_a, user_a, occto_admin):
    auction, _bids = toy_auction(operator_a, user_a)
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    run = clearing_service.start_clearing(auction=auction, actor=occto_admin, seed="x")  # queued (task not run)
    with pytest.raises(clearing_service.ClearingRefused, match="Only a succeeded clearing run"):
        clearing_service.export_run_input(run=run)


# --- guards -----------------------------------------------------------------------------------------------------------
@pytest.fixture
def open_bid(operator_a, user_a):
    """Operator A's active bid (80,000 kW) in an auction open for bids, on a resource qualified for 100,000 kW."""
    auction = AuctionFactory(bidding=True, kind="additional")
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a)
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    return BidFactory(auction=auction, resource=resource, quantity_kw=80_000, price_yen=9_000, submitted_by=user_a)


def test_a_resource_with_an_active_bid_before_publication_cannot_be_deleted(open_bid, admin_a, occto_admin):
    resource = open_bid.resource
    refusal = bidding.resource_bid_deletion_refusal(resource)
    assert "active bid" in refusal and str(open_bid.auction) in refusal
    assert str(refusal) in registration_services.deletion_refusals(resource)
    with pytest.raises(DomainError, match="active bid"):
        registration_services.submit_resource_deletion_application(resource=resource, actor=admin_a)
    with translation.override("ja"):
        assert "応札" in str(bidding.resource_bid_deletion_refusal(resource))

    store_run(open_bid.auction, started_by=occto_admin, publish=True)  # published results: the bid is settled
    assert bidding.resource_bid_deletion_refusal(resource) is None


def test_a_withdrawn_bid_does_not_hold_the_resource(open_bid):
    Bid.objects.filter(pk=open_bid.pk).update(status="withdrawn")
    assert bidding.resource_bid_deletion_refusal(open_bid.resource) is None


def test_an_operator_with_an_open_bid_cannot_apply_for_deletion_nor_be_deleted(operator_a, admin_a, user_a,
                                                                               reviewer, occto_admin):
    # Applied for before bidding: the approval checks again and refuses with the reason; nothing changes.
    application = registration_services.submit_deletion_application(operator=operator_a, actor=admin_a)
    auction = AuctionFactory(bidding=True, kind="additional")
    resource = ResourceFactory(operator=operator_a, submitted_by=user_a)
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    BidFactory(auction=auction, resource=resource, quantity_kw=80_000, price_yen=9_000, submitted_by=user_a)

    with pytest.raises(DomainError, match="active bids") as refused:
        registration_services.approve_operator_application(application=application, actor=reviewer,
                                                           expected_version=application.version)
    assert str(auction) in refused.value.message
    application.refresh_from_db()
    assert application.status == review.ReviewStatus.SUBMITTED
    assert Operator.objects.get(pk=operator_a.pk).is_active and user_a.__class__.objects.get(pk=user_a.pk).is_active
    registration_services.withdraw_application(application=application, actor=admin_a,
                                               expected_version=application.version)
    with pytest.raises(DomainError, match="active bids"):
        registration_services.submit_deletion_application(operator=operator_a, actor=admin_a)
    with translation.override("ja"):
        assert "応札" in str(bidding.operator_bid_deletion_refusal(operator_a))

    store_run(auction, started_by=occto_admin, publish=True)
    assert registration_services.operator_deletion_refusals(operator_a) == []
    again = registration_services.submit_deletion_application(operator=operator_a, actor=admin_a)
    registration_services.approve_operator_application(application=again, actor=reviewer,
                                                       expected_version=again.version)
    assert not Operator.objects.get(pk=operator_a.pk).is_active


def test_another_operators_bid_does_not_hold_an_operator(open_bid, operator_b):
    assert bidding.operator_bid_deletion_refusal(operator_b) is None


def change_application(bid, expected_kw):
    """A submitted change of the bid resource's expected capacity (applied for before the deadline)."""
    return ExpectedCapacityApplicationFactory(auction=bid.auction, resource=bid.resource, expected_kw=expected_kw)


def test_an_expected_capacity_below_an_active_bid_is_not_approved(open_bid, reviewer):
    application = change_application(open_bid, 79_999)
    with pytest.raises(DomainError, match="80,000 kW") as refused:
        services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                       expected_version=application.version)
    assert "Return the application" in refused.value.message
    application.refresh_from_db()
    assert application.status == review.ReviewStatus.SUBMITTED
    assert ExpectedCapacity.objects.get(resource=open_bid.resource).expected_kw == 100_000
    with translation.override("ja"), pytest.raises(DomainError, match="応札"):
        services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                       expected_version=application.version)


def test_an_expected_capacity_down_to_the_bid_or_past_a_withdrawn_bid_is_approved(open_bid, reviewer):
    application = change_application(open_bid, 80_000)
    services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                   expected_version=application.version)
    assert ExpectedCapacity.objects.get(resource=open_bid.resource).expected_kw == 80_000

    Bid.objects.filter(pk=open_bid.pk).update(status="withdrawn")
    application = change_application(open_bid, 1_000)
    services.approve_expected_capacity_application(application=application, actor=reviewer,
                                                   expected_version=application.version)
    assert ExpectedCapacity.objects.get(resource=open_bid.resource).expected_kw == 1_000
