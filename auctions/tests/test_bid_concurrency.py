"""200 bid submissions from 40 threads (each with its own database connection) around the closing instant.

The suite's clock ticks (time-machine patches the clock globally, threads included). The auction's bid window is
made to close 0.6 s after the measured start, and the calls are fired over 1.2 s: some before the close, some after,
on distinct resources (new bids), on the same resources by different users from the same version (one may win),
several with the same idempotency key, some with two entries (all or nothing). Then what the database holds must be
exactly what the calls were told: every returned receipt accepted before the close and stored once, every refused
call stored nothing, duplicate keys one receipt, nothing else changed, and the audit chain intact.
"""

import datetime as dt
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db import connections
from django.utils import timezone

from auctions.bidding import services as bidding
from auctions.models import Auction, Bid, BidSubmission, BidVersion, ExpectedCapacity
from capacity_market import audit
from capacity_market.errors import DomainError
from registration.models import Resource
from tests import factories

WORKERS = 40  # PostgreSQL allows 100 connections, shared with other test runs
CALLS = 200
CLOSE_AFTER = 0.6  # seconds after the measured start
SPREAD = 1.2  # the calls are fired over this many seconds


@dataclass
class Call:
    number: int
    user: object
    key: uuid.UUID
    entries: list[bidding.BidEntry]
    fire_at: float = 0.0  # seconds after the start
    receipt_id: int | None = None
    refusal: str = ""
    refusal_kind: str = ""
    error: str = ""
    returned_at: float = 0.0
    extra: dict = field(default_factory=dict)


def _plan(rng: random.Random, *, users_a, users_b, fresh_a, fresh_b, existing) -> list[Call]:
    """The 200 calls: new bids on distinct resources, races on one resource, duplicate keys, two-entry calls."""
    calls: list[Call] = []

    def add(user, entries, key=None):
        calls.append(Call(len(calls), user, key or uuid.uuid4(), entries))
        return calls[-1]

    n = 0

    def values():
        nonlocal n
        n += 1
        return 1_000 + n, n  # unique quantity and price: every stored value names its call

    # 1. A new bid on each fresh resource of A and B (one call each).
    for resource in fresh_a[:40]:
        add(rng.choice(users_a), [bidding.BidEntry(resource.pk, *values(), None)])
    for resource in fresh_b:
        add(rng.choice(users_b), [bidding.BidEntry(resource.pk, *values(), None)])
    # 2. Races: three users each make a NEW bid on the same resource (the unique constraint decides).
    for resource in fresh_a[40:50]:
        for user in rng.sample(users_a, 3):
            add(user, [bidding.BidEntry(resource.pk, *values(), None)])
    # 3. Races: users change the same existing bid from version 1 (the lock and the version decide).
    for resource in existing:
        for user in rng.sample(users_a, 3):
            add(user, [bidding.BidEntry(resource.pk, *values(), 1)])
    # 4. Two entries in one call (a change of an existing bid and a new bid): all or nothing.
    for resource, other in zip(existing, fresh_a[50:60], strict=True):
        add(rng.choice(users_a), [bidding.BidEntry(resource.pk, *values(), 1),
                                  bidding.BidEntry(other.pk, *values(), None)])
    # 5. Duplicate keys: the same call (same user, key and entries) posted two or three times.
    while len(calls) < CALLS:
        resource = fresh_a[60 + (len(calls) % 20)]
        original = add(rng.choice(users_a), [bidding.BidEntry(resource.pk, *values(), None)])
        for _ in range(min(rng.choice((1, 2)), CALLS - len(calls))):
            add(original.user, list(original.entries), key=original.key)
    assert len(calls) == CALLS
    for call in calls:
        call.fire_at = rng.uniform(0, SPREAD)
    return calls


def _snapshot_others(resource_ids) -> tuple:
    return (list(Bid.objects.exclude(resource_id__in=resource_ids).order_by("pk").values()),
            list(ExpectedCapacity.objects.order_by("pk").values()),
            list(Resource.objects.order_by("pk").values()),
            list(Auction.objects.order_by("pk").values()))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_submissions_around_the_closing_instant_store_exactly_what_was_accepted():
    rng = random.Random(20261125)
    operator_a, operator_b = factories.OperatorFactory(), factories.OperatorFactory()
    users_a = [factories.OperatorUserFactory(operator=operator_a) for _ in range(5)]
    users_b = [factories.OperatorUserFactory(operator=operator_b) for _ in range(2)]
    auction = factories.AuctionFactory(bidding=True)
    fresh_a = [factories.ResourceFactory(operator=operator_a) for _ in range(80)]
    fresh_b = [factories.ResourceFactory(operator=operator_b) for _ in range(10)]
    existing = [factories.ResourceFactory(operator=operator_a) for _ in range(10)]
    untouched = factories.ResourceFactory(operator=operator_a)
    for resource in [*fresh_a, *fresh_b, *existing, untouched]:
        factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=100_000)
    for resource in [*existing, untouched]:
        bidding.submit_bids(auction=auction, actor=users_a[0], entries=[(resource.pk, 50_000, 5_000, None)],
                            idempotency_key=uuid.uuid4())
    calls = _plan(rng, users_a=users_a, users_b=users_b, fresh_a=fresh_a, fresh_b=fresh_b, existing=existing)
    touched = {e.resource_id for c in calls for e in c.entries}
    initial_versions = BidVersion.objects.count()
    initial_receipts = set(BidSubmission.objects.values_list("pk", flat=True))
    others_before = None

    queue = sorted(calls, key=lambda c: c.fire_at)
    lock = threading.Lock()
    ready = threading.Barrier(WORKERS + 1)
    go = threading.Event()
    clock: dict = {}

    def worker():
        try:
            connections["default"].ensure_connection()  # connect before the start is measured
            ready.wait()
            go.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    call = queue.pop(0)
                delay = clock["start_perf"] + call.fire_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                try:
                    receipt = bidding.submit_bids(auction=auction, actor=call.user, entries=call.entries,
                                                  idempotency_key=call.key)
                    call.receipt_id = receipt.pk
                    call.extra["accepted_at"] = receipt.accepted_at
                except DomainError as exc:
                    call.refusal, call.refusal_kind = str(exc.message), type(exc).__name__
                except Exception as exc:  # noqa: BLE001 - reported by the main thread
                    call.error = repr(exc)
                call.returned_at = time.perf_counter() - clock["start_perf"]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    ready.wait()
    # The close is computed from the measured start, so the spread always straddles it.
    start = timezone.now()
    close = start + dt.timedelta(seconds=CLOSE_AFTER)
    Auction.objects.filter(pk=auction.pk).update(bid_closes_at=close)
    others_before = _snapshot_others(touched)
    clock["start_perf"] = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    # --- what the calls were told -----------------------------------------------------------------------------
    errors = [c.error for c in calls if c.error]
    assert not errors, errors
    accepted = [c for c in calls if c.receipt_id is not None]
    refused = [c for c in calls if c.receipt_id is None]
    closed = [c for c in refused if c.refusal_kind == "BidRefused"]
    assert accepted, "no call was accepted before the close: the test proved nothing"
    assert closed, "no call was refused by the close: the test proved nothing"
    assert {c.refusal_kind for c in refused} <= {"BidRefused", "BidConflict"}
    for call in accepted:
        assert start <= call.extra["accepted_at"] < close, call
    closing_time = timezone.localtime(close, bidding.phases.JST).strftime("%Y-%m-%d %H:%M:%S")
    assert all(closing_time in call.refusal for call in closed)

    # --- duplicate keys: one receipt per key --------------------------------------------------------------------
    by_key = defaultdict(set)
    for call in accepted:
        by_key[(call.user.operator_id, call.key)].add(call.receipt_id)
    assert all(len(ids) == 1 for ids in by_key.values())
    receipts = {next(iter(ids)) for ids in by_key.values()}

    # --- the database holds exactly what was accepted ------------------------------------------------------------
    stored_receipts = set(BidSubmission.objects.values_list("pk", flat=True)) - initial_receipts
    assert stored_receipts == receipts, "a refused call left a receipt, or an accepted one is missing"
    first_call = {}
    for call in sorted(accepted, key=lambda c: c.number):
        first_call.setdefault(call.receipt_id, call)
    expected_versions = {}
    for receipt_id, call in first_call.items():
        for entry in call.entries:
            expected_versions[(receipt_id, entry.resource_id)] = (entry.quantity_kw, entry.price_yen)
    new_versions = BidVersion.objects.exclude(submission_id__in=initial_receipts).select_related("bid")
    stored_versions = {(v.submission_id, v.bid.resource_id): (v.quantity_kw, v.price_yen) for v in new_versions}
    assert len(new_versions) == len(stored_versions) == BidVersion.objects.count() - initial_versions
    assert stored_versions == expected_versions
    for receipt in BidSubmission.objects.filter(pk__in=receipts):
        assert receipt.bid_count == len(first_call[receipt.pk].entries)
        assert receipt.accepted_at < close

    # Each bid's versions run 1..n without gaps and its current values are those of its last version.
    for bid in Bid.objects.filter(resource_id__in=touched).prefetch_related("versions"):
        versions = sorted(bid.versions.all(), key=lambda v: v.version)
        assert [v.version for v in versions] == list(range(1, len(versions) + 1))
        assert (bid.quantity_kw, bid.price_yen, bid.version, bid.submission_id) == (
            versions[-1].quantity_kw, versions[-1].price_yen, versions[-1].version, versions[-1].submission_id)
    # From one version, at most one change wins.
    wins = defaultdict(int)
    for call in first_call.values():
        for entry in call.entries:
            wins[(entry.resource_id, entry.expected_version)] += 1
    assert all(n == 1 for n in wins.values())
    # No bid exists for a resource whose every call was refused.
    accepted_resources = {e.resource_id for c in accepted for e in c.entries}
    assert set(Bid.objects.filter(resource_id__in=touched - {r.pk for r in existing})
               .values_list("resource_id", flat=True)) == accepted_resources - {r.pk for r in existing}

    # --- nothing else changed, and the audit chain holds ------------------------------------------------------------
    assert _snapshot_others(touched) == others_before
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_the_bids_waits_for_a_submission_in_flight_and_counts_it(operator_a, user_a, occto_admin):
    """A submission accepted before the close but not yet committed holds the auction FOR SHARE: OCCTO's close
    (FOR UPDATE) waits for it, so the close's audit entry counts every bid accepted before it."""
    import time_machine
    from django.db import transaction

    from auctions.clearing import services as clearing_service
    from capacity_market.models import AuditEntry

    auction = factories.AuctionFactory(bidding=True)
    resource = factories.ResourceFactory(operator=operator_a, submitted_by=user_a)
    factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=10_000)
    submitted, proceed, closed = threading.Event(), threading.Event(), threading.Event()

    def submit_and_hold():
        try:
            with transaction.atomic():
                bidding.submit_bids(auction=auction, actor=user_a, entries=[(resource.pk, 5_000, 100, None)],
                                    idempotency_key=uuid.uuid4())
                submitted.set()
                proceed.wait(10)
        finally:
            connections.close_all()

    def close():
        try:
            clearing_service.close_bids(auction=auction, actor=occto_admin)
            closed.set()
        finally:
            connections.close_all()

    submitter = threading.Thread(target=submit_and_hold)
    submitter.start()
    assert submitted.wait(10)
    with time_machine.travel(auction.bid_closes_at + dt.timedelta(seconds=1), tick=True):
        closer = threading.Thread(target=close)
        closer.start()
        time.sleep(0.5)
        assert not closed.is_set(), "the close must wait for the submission in flight"
        proceed.set()
        submitter.join(10)
        closer.join(10)
    assert closed.is_set()
    entry = AuditEntry.objects.get(action="auctions.bids_closed")
    assert entry.after["active_bids"] == 1 and Bid.objects.filter(auction=auction).count() == 1
