"""Clearing inside the system: the engine's input from the database, closing the bids, runs through the Celery task
(eager here), re-runs, publication and failures, and the run's state machine."""

import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from auctions import clearing
from auctions.clearing import AREAS
from auctions.clearing import services as clearing_service
from auctions.clearing.services import ClearingRefused
from auctions.models import (
    AdjustmentFactor,
    Auction,
    Bid,
    ClearingOutcome,
    ClearingRun,
    ClearingRunStatus,
    FixedSupplyItem,
    ShortBlock,
)
from capacity_market.models import AuditEntry
from capacity_market.state_machine import IllegalTransition
from tests.factories import AuctionFactory, BidFactory, ResourceFactory

from .clearing_db import toy_auction
from .conftest import jst

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here."""
    with translation.override("en"):
        yield


def close(auction, actor):
    clearing_service.close_bids(auction=auction, actor=actor)
    auction.refresh_from_db()
    return auction


def clear_now(auction, actor, capture, seed=None) -> ClearingRun:
    """Start a run and let the (eager) task run on commit."""
    with capture(execute=True):
        run = clearing_service.start_clearing(auction=auction, actor=actor, seed=seed)
    run.refresh_from_db()
    return run


@pytest.fixture
def toy(operator_a, user_a, occto_admin):
    auction, bids = toy_auction(operator_a, user_a)
    return close(auction, occto_admin), bids


# --- the engine's input from the database ------------------------------------------------------------------------------
def test_the_engine_input_holds_the_active_bids_with_the_resource_area_and_category(operator_a, operator_b, user_a,
                                                                                    user_b):
    auction = AuctionFactory(bids_closed=True, dr_cap_kw=6_000_000)
    FixedSupplyItem.objects.create(auction=auction, label="FIT", kw=12_000_000)
    FixedSupplyItem.objects.create(auction=auction, label="AA", kw=345_678)
    AdjustmentFactor.objects.create(auction=auction, generation_type="solar", area="tohoku", factor="0.5")
    solar = ResourceFactory(operator=operator_a, submitted_by=user_a, area="tohoku", category="variable",
                            generation_type="solar", can_adjust_output=False)
    dr = ResourceFactory(operator=operator_b, submitted_by=user_b, area="kyushu", category="dispatch",
                         generation_type="dr")
    first = BidFactory(auction=auction, resource=solar, quantity_kw=1_234, price_yen=0, submitted_by=user_a)
    second = BidFactory(auction=auction, resource=dr, quantity_kw=5_000, price_yen=15_112, submitted_by=user_b)
    BidFactory(auction=auction, submitted_by=user_a, quantity_kw=9_999, price_yen=5, status="withdrawn")
    ShortBlock.objects.create(auction=auction, order=2, name="south", areas=["kyushu"], additional_kw=10,
                              adjacent="north")
    ShortBlock.objects.create(auction=auction, order=1, name="north", areas=["hokkaido", "tohoku"],
                              additional_kw=910_000)

    engine_input = clearing_service.engine_input(auction=auction, seed="s-1")

    assert list(engine_input.bids) == [
        (first.bid_code, "tohoku", "variable", 1_234, 0),
        (second.bid_code, "kyushu", "dispatch", 5_000, 15_112),
    ]
    assert first.bid_code == f"B-{first.pk:07d}"
    assert engine_input.fixed_supply_kw == 12_345_678
    assert engine_input.dr_cap_kw == 6_000_000
    assert engine_input.tie_break_seed == "s-1"
    assert engine_input.auction == auction.code
    assert engine_input.demand_curve.upper_price == Decimal("15112.5")  # exact: 1.5 × 10,075
    assert [(b.name, b.areas, b.additional_kw, b.adjacent) for b in engine_input.short_blocks] == [
        ("north", ("hokkaido", "tohoku"), 910_000, "national"), ("south", ("kyushu",), 10, "north")]


def test_the_exported_input_replays_with_clear_auction_to_the_same_result(toy):
    auction, _bids = toy
    text = clearing_service.export_input(auction=auction, seed="replay")
    document = json.loads(text)
    assert document["demand_curve"] == {"upper_price": "15000", "q_upper_kw": 900, "net_cone": "10000",
                                        "target_kw": 1000, "q_zero_kw": 1100}
    assert document["fixed_supply_kw"] == 200 and len(document["bids"]) == 5
    replayed = clearing.clear(clearing.parse_input(text))
    direct = clearing.clear(clearing_service.engine_input(auction=auction, seed="replay"))
    assert clearing.serialise_result(replayed) == clearing.serialise_result(direct)
    assert replayed.national_price == 12_000


def test_the_exported_input_keeps_an_upper_price_of_half_a_yen(operator_a, user_a):
    auction = AuctionFactory(bids_closed=True)
    BidFactory(auction=auction, submitted_by=user_a, quantity_kw=1_000, price_yen=15_112)
    document = json.loads(clearing_service.export_input(auction=auction, seed="x"))
    assert document["demand_curve"]["upper_price"] == "15112.5"
    assert document["demand_curve"]["net_cone"] == "10075"


def test_a_bid_the_engine_would_refuse_is_reported_not_cleared(operator_a, user_a):
    auction = AuctionFactory(bids_closed=True)
    bid = BidFactory(auction=auction, submitted_by=user_a, quantity_kw=1_000, price_yen=15_112)
    Bid.objects.filter(pk=bid.pk).update(price_yen=15_113)  # in the database, past the service's own check
    with pytest.raises(ClearingRefused, match="exceeds the upper price"):
        clearing_service.engine_input(auction=auction, seed="x")


# --- closing the bids ------------------------------------------------------------------------------------------------------
def test_bids_cannot_be_closed_before_the_closing_instant_and_can_at_it(occto_admin, time_machine):
    auction = AuctionFactory(bidding=True)  # closes today 18:00:00 JST
    time_machine.move_to(jst(2026, 11, 25, 17, 59, 59), tick=False)
    with pytest.raises(ClearingRefused, match="18:00:00"):
        clearing_service.close_bids(auction=auction, actor=occto_admin)
    auction.refresh_from_db()
    assert auction.bids_closed_at is None
    assert not AuditEntry.objects.filter(action="auctions.bids_closed").exists()

    time_machine.move_to(jst(2026, 11, 25, 18, 0, 0), tick=False)
    auction = close(auction, occto_admin)
    assert auction.bids_closed_at == jst(2026, 11, 25, 18, 0, 0)
    assert auction.bids_closed_by == occto_admin
    entry = AuditEntry.objects.get(action="auctions.bids_closed")
    assert entry.actor_id == occto_admin.pk and entry.target_id == str(auction.pk)


def test_closing_twice_says_so_and_changes_nothing(toy, occto_admin):
    auction, _bids = toy
    closed_at = auction.bids_closed_at
    with pytest.raises(ClearingRefused, match="already closed"):
        clearing_service.close_bids(auction=auction, actor=occto_admin)
    auction.refresh_from_db()
    assert auction.bids_closed_at == closed_at
    assert AuditEntry.objects.filter(action="auctions.bids_closed").count() == 1


@pytest.mark.parametrize("persona", ["reviewer", "admin_a", "user_a"])
def test_only_occto_administrators_close_clear_and_publish(request, persona, operator_a, user_a):
    actor = request.getfixturevalue(persona)
    auction, _bids = toy_auction(operator_a, user_a)
    with pytest.raises(ClearingRefused, match="Only OCCTO administrators"):
        clearing_service.close_bids(auction=auction, actor=actor)
    Auction.objects.filter(pk=auction.pk).update(bids_closed_at=jst(2026, 11, 24, 18, 0))
    auction.refresh_from_db()
    with pytest.raises(ClearingRefused, match="Only OCCTO administrators"):
        clearing_service.start_clearing(auction=auction, actor=actor)
    assert not ClearingRun.objects.exists()


# --- a run: the toy case of domain.md §10 ---------------------------------------------------------------------------------
def test_the_toy_case_clears_at_12000_through_the_task(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, bids = toy
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)

    assert run.status == "succeeded" and run.progress == 100 and run.error == ""
    assert run.national_price == 12_000
    assert run.area_prices == dict.fromkeys(AREAS, 12_000)
    assert run.awarded_kw == 850
    assert run.total_amount_yen == 10_200_000
    assert run.bid_count == 5
    assert run.tie_break_seed == f"{auction.code}-1"
    assert run.started_at and run.finished_at and run.started_by == occto_admin
    assert run.published_at is None
    outcomes = {o.bid_id: o for o in ClearingOutcome.objects.filter(run=run)}
    assert [(outcomes[b.pk].awarded_kw, outcomes[b.pk].paid_price, outcomes[b.pk].amount_yen) for b in bids] == [
        (500, 12_000, 6_000_000), (150, 12_000, 1_800_000), (100, 12_000, 1_200_000), (100, 12_000, 1_200_000),
        (0, None, 0)]
    loser = outcomes[bids[4].pk]
    assert (loser.quantity_kw, loser.price_yen, loser.area, loser.category, loser.operator_id) == (
        100, 14_000, "tokyo", "stable", bids[4].operator_id)
    assert not any(o.excluded_by_dr_cap for o in outcomes.values())


def test_the_run_keeps_its_input_summary_in_the_clearing_format(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    ShortBlock.objects.create(auction=auction, name="north", areas=["hokkaido"], additional_kw=0)
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks, seed="fixed-seed")
    assert run.input_summary == {
        "auction": auction.code,
        "demand_curve": {"upper_price": "15000", "q_upper_kw": 900, "net_cone": "10000", "target_kw": 1000,
                         "q_zero_kw": 1100},
        "fixed_supply_kw": 200,
        "dr_cap_kw": None,
        "dr_caps_kw_by_area": None,
        "tie_break_seed": "fixed-seed",
        "short_blocks": [{"name": "north", "areas": ["hokkaido"], "additional_kw": 0, "adjacent": "national"}],
        "bid_count": 5,
    }
    assert run.tie_break_seed == "fixed-seed"


def test_the_dr_cap_and_a_short_block_are_stored_per_bid_and_area(operator_a, user_a, occto_admin,
                                                                  django_capture_on_commit_callbacks):
    auction = AuctionFactory(bids_closed=True, net_cone=Decimal("10000"), q_upper_kw=900, target_kw=1000,
                             q_zero_kw=1100, dr_cap_kw=100, threshold_kw=50, min_bid_kw=50)  # toy quantities
    FixedSupplyItem.objects.create(auction=auction, label="FIT", kw=200)

    def bid(kw, price, **resource):
        resource = ResourceFactory(operator=operator_a, submitted_by=user_a, **resource)
        return BidFactory(auction=auction, resource=resource, quantity_kw=kw, price_yen=price, submitted_by=user_a)

    base = [bid(500, 0), bid(150, 3000), bid(100, 8000), bid(100, 12000)]
    dr_kept = bid(100, 1000, category="dispatch", area="tohoku")
    dr_out = bid(50, 2000, category="dispatch", area="tohoku")
    hokkaido = bid(100, 14000, area="hokkaido")
    ShortBlock.objects.create(auction=auction, name="north", areas=["hokkaido"], additional_kw=50)
    close(auction, occto_admin)

    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)

    expected = clearing.clear(clearing_service.engine_input(auction=auction, seed=run.tie_break_seed))
    assert run.national_price == expected.national_price
    assert run.area_prices == dict(expected.area_prices)
    # National 8,000; the Hokkaido block takes its 14,000 bid, capped at 1.5 × 8,000 = 12,000; paid its own price.
    assert run.national_price == 8_000
    assert run.area_prices["hokkaido"] == 12_000 and run.area_prices["tokyo"] == 8_000
    outcomes = {o.bid_id: o for o in run.outcomes.all()}
    assert outcomes[dr_out.pk].excluded_by_dr_cap and outcomes[dr_out.pk].awarded_kw == 0
    assert not outcomes[dr_kept.pk].excluded_by_dr_cap and outcomes[dr_kept.pk].awarded_kw == 100
    assert outcomes[hokkaido.pk].paid_price == 14_000
    assert len(outcomes) == len(base) + 3
    assert run.total_amount_yen == sum(o.amount_yen for o in outcomes.values()) == expected.total_amount_yen


def test_the_task_reports_its_steps_in_separate_transactions(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    run.refresh_from_db()
    assert (run.status, run.progress, run.progress_label) == ("queued", 0, "Waiting for a worker")
    with CaptureQueriesContext(connection) as ctx:
        for callback in queued:
            callback()
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('UPDATE "auctions_clearingrun"')]
    assert len(updates) >= 4  # claimed (reading), clearing, storing, stored …, then the result
    run.refresh_from_db()
    assert run.status == "succeeded"
    status = clearing_service.run_status(run)
    assert status["finished"] and status["progress"] == 100 and status["step"] == "Done"


def test_a_re_delivered_task_does_nothing(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert clearing_service.run_clearing(run.pk) is None
    assert ClearingOutcome.objects.filter(run=run).count() == 5


# --- re-runs and publication --------------------------------------------------------------------------------------------
def test_the_bids_must_be_closed_before_clearing(operator_a, user_a, occto_admin):
    auction, _bids = toy_auction(operator_a, user_a)
    with pytest.raises(ClearingRefused, match="Close the bids"):
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    assert not ClearingRun.objects.exists()


def test_a_second_run_waits_for_the_first_to_finish(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    with django_capture_on_commit_callbacks(execute=False):
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    with pytest.raises(ClearingRefused, match="already queued or running"):
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    assert ClearingRun.objects.count() == 1


def test_the_database_refuses_a_second_unfinished_run_when_the_checks_are_bypassed(toy, occto_admin, monkeypatch):
    auction, _bids = toy
    ClearingRun.objects.create(auction=auction, tie_break_seed="a", started_by=occto_admin)
    monkeypatch.setattr(clearing_service, "_refuse_if_not_clearable", lambda auction: None)
    with pytest.raises(ClearingRefused, match="already queued or running"):
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    assert ClearingRun.objects.count() == 1


def test_re_runs_are_kept_side_by_side_until_one_is_published(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    first = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    second = clear_now(auction, occto_admin, django_capture_on_commit_callbacks, seed="another seed")
    assert (first.tie_break_seed, second.tie_break_seed) == (f"{auction.code}-1", "another seed")
    assert ClearingOutcome.objects.filter(run=first).count() == ClearingOutcome.objects.filter(run=second).count() == 5
    assert first.national_price == second.national_price == 12_000

    published = clearing_service.publish_run(run=first, actor=occto_admin)
    assert published.published_at is not None and published.published_by == occto_admin
    assert published.status == "published"
    entry = AuditEntry.objects.get(action="auctions.clearingrun.published")
    assert entry.target_id == str(first.pk) and entry.actor_id == occto_admin.pk
    assert (entry.before, entry.after["status"]) == ({"status": "succeeded"}, "published")

    with pytest.raises(ClearingRefused, match="published"):
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    with pytest.raises(ClearingRefused, match="already published"):
        clearing_service.publish_run(run=first, actor=occto_admin)
    with pytest.raises(ClearingRefused, match="Another clearing run"):
        clearing_service.publish_run(run=second, actor=occto_admin)
    assert ClearingRun.objects.count() == 2
    assert ClearingRun.objects.filter(published_at__isnull=False).get() == first
    assert AuditEntry.objects.filter(action="auctions.clearingrun.published").count() == 1


def test_publishing_puts_a_notice_on_every_operator_home_page(toy, occto_admin, user_a, user_b, client_for,
                                                              django_capture_on_commit_callbacks):
    from django.urls import reverse

    from notices.models import Notice

    auction, _bids = toy
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert not Notice.objects.exists()
    run = clearing_service.publish_run(run=run, actor=occto_admin)
    notice = Notice.objects.get()
    assert notice.title == f"約定結果の公表：{auction.name}" and notice.to_all_operators
    assert (notice.category, notice.importance, notice.publish_from) == ("auction", "high", run.published_at)
    assert "全国の約定価格：12,000円/kW" in notice.body
    assert reverse("auctions:results", kwargs={"pk": auction.pk}) in notice.body
    for user in (user_a, user_b):
        assert notice.title in client_for(user).get(reverse("home")).content.decode()
    assert AuditEntry.objects.filter(action="notices.notice_created", actor_id=occto_admin.pk).count() == 1


def test_only_a_succeeded_run_is_published(toy, occto_admin, reviewer, django_capture_on_commit_callbacks):
    auction, _bids = toy
    with django_capture_on_commit_callbacks(execute=False):
        queued = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    with pytest.raises(ClearingRefused, match="Only a succeeded"):
        clearing_service.publish_run(run=queued, actor=occto_admin)
    clearing_service.run_clearing(queued.pk)
    with pytest.raises(ClearingRefused, match="Only OCCTO administrators"):
        clearing_service.publish_run(run=queued, actor=reviewer)
    queued.refresh_from_db()
    assert queued.published_at is None


def test_starting_and_finishing_are_audited(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks, seed="s")
    started = AuditEntry.objects.get(action="auctions.clearing_started")
    assert started.actor_id == occto_admin.pk and started.after["tie_break_seed"] == "s"
    succeeded = AuditEntry.objects.get(action="auctions.clearingrun.succeeded")
    assert succeeded.target_id == str(run.pk) and succeeded.after["national_price"] == 12_000
    assert (succeeded.actor_label, succeeded.before) == ("celery", {"status": "running"})
    # Each move of the run, in order (progress reports are not moves and are not audited).
    assert list(AuditEntry.objects.filter(target_type="auctions.clearingrun", target_id=str(run.pk))
                .order_by("id").values_list("action", flat=True)) == [
        "auctions.clearing_started", "auctions.clearingrun.running", "auctions.clearingrun.succeeded"]


@pytest.mark.parametrize("seed", ["x" * 101])
def test_an_overlong_seed_is_refused(toy, occto_admin, seed):
    auction, _bids = toy
    with pytest.raises(ClearingRefused, match="too long"):
        clearing_service.start_clearing(auction=auction, actor=occto_admin, seed=seed)


def test_a_short_block_the_engine_would_refuse_is_reported_when_starting(toy, occto_admin):
    auction, _bids = toy
    ShortBlock.objects.create(auction=auction, order=1, name="a", areas=["kyushu"], additional_kw=1, adjacent="b")
    ShortBlock.objects.create(auction=auction, order=2, name="b", areas=["kyushu"], additional_kw=1)
    with pytest.raises(ClearingRefused, match="defined later") as refused:
        clearing_service.start_clearing(auction=auction, actor=occto_admin)
    assert "already in block" in refused.value.message
    assert not ClearingRun.objects.exists()


# --- failures --------------------------------------------------------------------------------------------------------------
def test_an_engine_error_marks_the_run_failed_with_its_text(toy, occto_admin, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    auction, _bids = toy

    def broken(auction_input):
        raise ArithmeticError("division by zero in the demand curve")

    monkeypatch.setattr(clearing_service.clearing, "clear", broken)
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert run.status == "failed" and run.finished_at is not None
    assert run.error == "ArithmeticError: division by zero in the demand curve"
    assert run.national_price is None and not run.outcomes.exists()
    failed = AuditEntry.objects.get(action="auctions.clearingrun.failed", target_id=str(run.pk))
    assert failed.before == {"status": "running"} and failed.after["error"] == run.error
    # A failed run does not block the next one.
    monkeypatch.undo()
    again = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert again.status == "succeeded"


def test_an_error_while_storing_leaves_no_partial_outcomes(toy, occto_admin, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    auction, _bids = toy
    monkeypatch.setattr(clearing_service, "OUTCOME_BATCH", 2)
    real = ClearingOutcome.objects.bulk_create
    calls = []

    def flaky(batch, *args, **kwargs):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(ClearingOutcome.objects, "bulk_create", flaky)
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert run.status == "failed" and "disk full" in run.error
    assert not ClearingOutcome.objects.filter(run=run).exists()


def test_bad_data_found_by_the_task_fails_the_run_with_the_engine_message(toy, occto_admin, user_a,
                                                                          django_capture_on_commit_callbacks):
    auction, bids = toy
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    type(bids[0]).objects.filter(pk=bids[0].pk).update(price_yen=20_000)  # above the upper price of 15,000
    for callback in queued:
        callback()
    run.refresh_from_db()
    assert run.status == "failed" and "exceeds the upper price" in run.error


def test_a_broker_that_cannot_be_reached_fails_the_run_at_once(toy, occto_admin, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from auctions import tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.run_clearing, "delay", down)
    auction, _bids = toy
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert run.status == "failed" and "redis is down" in run.error


# --- a run whose worker died ------------------------------------------------------------------------------------------------
def test_a_stuck_run_is_marked_failed_and_the_auction_cleared_again(toy, occto_admin, reviewer,
                                                                   django_capture_on_commit_callbacks):
    auction, _bids = toy
    with django_capture_on_commit_callbacks(execute=False):
        stuck = clearing_service.start_clearing(auction=auction, actor=occto_admin)
    ClearingRun.objects.filter(pk=stuck.pk).update(status="running", progress=50)
    with pytest.raises(ClearingRefused, match="Only OCCTO administrators"):
        clearing_service.abandon_run(run=stuck, actor=reviewer)

    abandoned = clearing_service.abandon_run(run=stuck, actor=occto_admin, reason="worker restarted")
    assert abandoned.status == "failed" and "worker restarted" in abandoned.error
    entry = AuditEntry.objects.get(action="auctions.clearingrun.failed", target_id=str(stuck.pk))
    assert (entry.actor_id, entry.before, entry.after["progress"]) == (occto_admin.pk, {"status": "running"}, 50)
    with pytest.raises(ClearingRefused, match="Only a queued or running"):
        clearing_service.abandon_run(run=abandoned, actor=occto_admin)
    again = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert again.status == "succeeded"


def test_a_task_that_finishes_after_its_run_was_marked_failed_stores_nothing(toy, occto_admin, monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    auction, _bids = toy
    real_clear = clearing_service.clearing.clear

    def clear_while_abandoned(auction_input):
        run = ClearingRun.objects.get()
        clearing_service.abandon_run(run=run, actor=occto_admin)
        return real_clear(auction_input)

    monkeypatch.setattr(clearing_service.clearing, "clear", clear_while_abandoned)
    run = clear_now(auction, occto_admin, django_capture_on_commit_callbacks)
    assert run.status == "failed" and run.national_price is None
    assert not ClearingOutcome.objects.filter(run=run).exists()


# --- the run's state machine -------------------------------------------------------------------------------------------
def test_the_run_table_covers_every_status_and_ends_in_failed_or_published():
    machine = ClearingRun.states
    assert set(machine.transitions) == set(ClearingRunStatus.values) and machine.problems(ClearingRun) == []
    assert {s for s in ClearingRunStatus.values if machine.is_terminal(s)} == {"failed", "published"}


@pytest.mark.parametrize("current, target", [("published", "running"), ("published", "failed"),
                                             ("published", "succeeded"), ("failed", "running"),
                                             ("succeeded", "running"), ("queued", "succeeded"),
                                             ("queued", "published")])
def test_an_illegal_run_move_is_refused_and_changes_nothing(toy, occto_admin, current, target):
    auction, _bids = toy
    run = ClearingRun.objects.create(auction=auction, tie_break_seed="s", started_by=occto_admin)
    published_at = timezone.now() if current == "published" else None
    ClearingRun.objects.filter(pk=run.pk).update(status=current, published_at=published_at)
    with pytest.raises(IllegalTransition):
        ClearingRun.states.transition(run, to=target, actor=occto_admin)
    assert ClearingRun.objects.get(pk=run.pk).status == current
    assert not AuditEntry.objects.filter(target_type="auctions.clearingrun").exists()


def test_a_published_run_never_runs_fails_or_publishes_again(toy, occto_admin, django_capture_on_commit_callbacks):
    auction, _bids = toy
    run = clearing_service.publish_run(run=clear_now(auction, occto_admin, django_capture_on_commit_callbacks),
                                       actor=occto_admin)
    moves = AuditEntry.objects.filter(target_type="auctions.clearingrun").count()
    assert clearing_service.run_clearing(run.pk) is None  # a task delivered again: published stays published
    with pytest.raises(ClearingRefused, match="Only a queued or running"):
        clearing_service.abandon_run(run=run, actor=occto_admin)
    with pytest.raises(ClearingRefused, match="already published"):
        clearing_service.publish_run(run=run, actor=occto_admin)
    run.refresh_from_db()
    assert run.status == "published" and run.error == "" and run.outcomes.count() == 5
    assert AuditEntry.objects.filter(target_type="auctions.clearingrun").count() == moves


def test_the_database_keeps_the_published_status_and_time_together(toy, occto_admin):
    auction, _bids = toy
    run = ClearingRun.objects.create(auction=auction, tie_break_seed="s", started_by=occto_admin, status="succeeded")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClearingRun.objects.filter(pk=run.pk).update(published_at=timezone.now())  # published without the status
    with pytest.raises(IntegrityError), transaction.atomic():
        ClearingRun.objects.filter(pk=run.pk).update(status="published")  # the status without a time
