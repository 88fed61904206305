"""The bid services (応札): every rule, the closing instant, optimistic locking, idempotency, history, e-mail."""

import uuid

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from auctions.bidding import services as bidding
from auctions.bidding.services import BidEntry
from auctions.models import Auction, Bid, BidSubmission, BidVersion
from capacity_market.models import AuditEntry
from tests import factories
from tests.factories import ExpectedCapacityFactory, ResourceFactory

from .conftest import jst

pytestmark = pytest.mark.django_db


def submit(auction, user, *entries, key=None):
    return bidding.submit_bids(auction=auction, actor=user, entries=list(entries),
                               idempotency_key=key or uuid.uuid4())


def state():
    """Everything bidding writes, to show that a refusal changed nothing."""
    return (list(Bid.objects.order_by("pk").values()), list(BidVersion.objects.order_by("pk").values()),
            list(BidSubmission.objects.order_by("pk").values()))


# --- storing ----------------------------------------------------------------------------------------------------
def test_a_submission_stores_every_bid_under_one_receipt_with_history_audit_and_e_mail(
        bid_auction, user_a, res_a, res_a2, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with time_machine.travel(jst(2026, 11, 25, 11, 22, 33, 456000), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        receipt = submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None), (res_a2.pk, 50_000, 0, None))
    assert receipt.receipt_number == f"BR-{receipt.pk:06d}" and receipt.bid_count == 2
    assert receipt.accepted_at == jst(2026, 11, 25, 11, 22, 33, 456000) and receipt.source == "form"
    bids = {b.resource_id: b for b in Bid.objects.all()}
    assert (bids[res_a.pk].quantity_kw, bids[res_a.pk].price_yen, bids[res_a.pk].version) == (90_000, 9_000, 1)
    assert bids[res_a2.pk].price_yen == 0 and bids[res_a2.pk].submission == receipt
    assert list(BidVersion.objects.values_list("action", "version", "submission_id")) == [
        ("created", 1, receipt.pk), ("created", 1, receipt.pk)]
    entry = AuditEntry.objects.get(action="auctions.bids_submitted")
    assert entry.actor_id == user_a.pk and len(entry.after["bids"]) == 2
    [message] = mail.outbox
    assert message.to == [user_a.email] and receipt.receipt_number in message.subject
    assert "2026-11-25 11:22:33 JST" in message.body and "90,000 kW" in message.body and "受付番号" in message.body


def test_the_receipt_e_mail_is_in_english_for_an_english_user(bid_auction, operator_a, res_a,
                                                               django_capture_on_commit_callbacks):
    user = factories.OperatorUserFactory(operator=operator_a, language="en")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(bid_auction, user, (res_a.pk, 1_000, 1, None))
    assert "Bid receipt" in mail.outbox[0].subject and "Accepted at" in mail.outbox[0].body


def test_change_withdraw_and_rebid_keep_every_version(bid_auction, user_a, admin_a, res_a):
    first = submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None))
    second = submit(bid_auction, admin_a, (res_a.pk, 80_000, 8_000, 1))
    bid = Bid.objects.get()
    withdrawal = bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=2, idempotency_key=uuid.uuid4())
    bid.refresh_from_db()
    assert (bid.status, bid.version, bid.submission_id) == ("withdrawn", 3, withdrawal.pk)
    assert (bid.quantity_kw, bid.price_yen) == (80_000, 8_000)  # the values stay for the record
    third = submit(bid_auction, user_a, (res_a.pk, 70_000, 7_000, 3))
    bid.refresh_from_db()
    assert (bid.status, bid.version, bid.quantity_kw) == ("active", 4, 70_000)
    history = list(BidVersion.objects.filter(bid=bid).order_by("version").values_list(
        "version", "action", "status", "quantity_kw", "submission_id", "created_by_id"))
    assert history == [(1, "created", "active", 90_000, first.pk, user_a.pk),
                       (2, "changed", "active", 80_000, second.pk, admin_a.pk),
                       (3, "withdrawn", "withdrawn", 80_000, withdrawal.pk, user_a.pk),
                       (4, "rebid", "active", 70_000, third.pk, user_a.pk)]
    assert AuditEntry.objects.filter(action="auctions.bid_withdrawn").count() == 1


def test_an_entry_equal_to_the_current_bid_is_skipped_and_all_equal_stores_nothing(bid_auction, user_a, res_a,
                                                                                   res_a2):
    submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None))
    receipt = submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, 1), (res_a2.pk, 10_000, 100, None))
    assert receipt.bid_count == 1 and Bid.objects.get(resource=res_a).version == 1
    before = state()
    with pytest.raises(bidding.NothingToSubmit):
        submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, 1))
    with pytest.raises(bidding.NothingToSubmit):
        submit(bid_auction, user_a)
    assert state() == before


# --- the rules --------------------------------------------------------------------------------------------------
def test_one_bad_entry_refuses_the_whole_submission_and_lists_every_error(bid_auction, user_a, operator_a,
                                                                         operator_b, res_a, res_a2):
    unqualified = ResourceFactory(operator=operator_a)
    others = ResourceFactory(operator=operator_b)
    ExpectedCapacityFactory(auction=bid_auction, resource=others, expected_kw=10_000)
    with pytest.raises(bidding.BidsInvalid) as refused:
        submit(bid_auction, user_a, (res_a.pk, 100_000, 15_112, None),  # exactly the limits: fine
               (res_a2.pk, 50_001, 15_113, None), (unqualified.pk, 1_000, 1, None), (others.pk, 1_000, 1, None),
               (res_a.pk, 1_000, 1, None))
    errors = [(e.index, e.field) for e in refused.value.errors]
    assert errors == [(1, "quantity_kw"), (1, "price_yen"), (2, "resource"), (3, "resource"), (4, "resource")]
    assert "50,000 kW" in refused.value.errors[0].message and "15,112" in refused.value.errors[1].message
    assert not Bid.objects.exists() and not BidSubmission.objects.exists()


@pytest.mark.parametrize(("quantity", "price"), [(0, 1), (-1, 1), (1, 1), (999, 1), (1_000, -1)])
def test_quantity_at_least_the_smallest_bid_and_price_not_negative(bid_auction, user_a, res_a, quantity, price):
    with pytest.raises(bidding.BidsInvalid) as refused:
        submit(bid_auction, user_a, (res_a.pk, quantity, price, None))
    [error] = refused.value.errors
    assert error.field == ("quantity_kw" if quantity < 1_000 else "price_yen")
    assert not Bid.objects.exists()


def test_the_smallest_bid_is_1000_kw_by_default_and_the_most_is_the_expected_capacity(bid_auction, user_a, res_a):
    """res_a is qualified with 100,000 kW: 999 and 100,001 are refused, 1,000 and 100,000 accepted."""
    assert bid_auction.min_bid_kw == 1_000
    with translation.override("en"):
        for quantity, words in ((999, ("999 kW", "smallest bid", "1,000 kW", "100,000 kW")),
                                (100_001, ("100,001 kW", "100,000 kW"))):
            with pytest.raises(bidding.BidsInvalid) as refused:
                submit(bid_auction, user_a, (res_a.pk, quantity, 1, None))
            assert all(word in refused.value.errors[0].message for word in words), refused.value.errors
    assert not Bid.objects.exists()
    submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    submit(bid_auction, user_a, (res_a.pk, 100_000, 1, 1))
    assert Bid.objects.get().quantity_kw == 100_000


def test_the_smallest_bid_is_the_auctions_parameter(bid_auction, user_a, res_a, res_a2):
    Auction.objects.filter(pk=bid_auction.pk).update(min_bid_kw=2_000)  # as OCCTO sets it in the admin
    with translation.override("ja"), pytest.raises(bidding.BidsInvalid) as refused:
        submit(bid_auction, user_a, (res_a.pk, 1_999, 1, None))
    assert refused.value.errors[0].message == (
        "応札容量（1,999 kW）がこのオークションの最低応札容量（2,000 kW）を下回っています。"
        "2,000 kWから承認済み期待容量（100,000 kW）までで応札してください。")
    submit(bid_auction, user_a, (res_a.pk, 2_000, 1, None))
    Auction.objects.filter(pk=bid_auction.pk).update(min_bid_kw=60_000)  # above res_a2's 50,000 kW
    with translation.override("en"), pytest.raises(bidding.BidsInvalid) as refused:
        submit(bid_auction, user_a, (res_a2.pk, 50_000, 1, None))
    assert "cannot bid in this auction" in refused.value.errors[0].message
    assert "50,000 kW" in refused.value.errors[0].message and "60,000 kW" in refused.value.errors[0].message


def test_the_price_limit_is_the_upper_price_rounded_down(bid_auction):
    assert str(bid_auction.upper_price) == "15112.5" and bidding.max_price(bid_auction) == 15_112


def test_a_deleted_resource_cannot_bid(bid_auction, user_a, res_a):
    res_a.is_active = False
    res_a.save()
    with pytest.raises(bidding.BidsInvalid):
        submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))


def test_only_active_users_of_an_active_operator_bid(bid_auction, operator_a, res_a, reviewer):
    inactive = factories.OperatorUserFactory(operator=operator_a, is_active=False)
    for actor in (None, reviewer, inactive):
        with pytest.raises(bidding.BidRefused):
            submit(bid_auction, actor, (res_a.pk, 1_000, 1, None))
    operator_a.is_active = False
    operator_a.save()
    with pytest.raises(bidding.BidRefused):
        submit(bid_auction, factories.OperatorUserFactory(operator=operator_a), (res_a.pk, 1_000, 1, None))
    assert not Bid.objects.exists()


def test_another_operators_user_cannot_withdraw(bid_auction, user_a, user_b, res_a):
    submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    with pytest.raises(bidding.BidRefused):
        bidding.withdraw_bid(bid=Bid.objects.get(), actor=user_b, expected_version=1, idempotency_key=uuid.uuid4())
    assert Bid.objects.get().status == "active"


# --- the window and the closing instant ---------------------------------------------------------------------------
def test_17_59_59_999_is_accepted_and_18_00_00_000_is_refused(bid_auction, user_a, res_a, res_a2):
    with time_machine.travel(jst(2026, 11, 25, 17, 59, 59, 999000), tick=False):
        receipt = submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    assert receipt.accepted_at == jst(2026, 11, 25, 17, 59, 59, 999000) < bid_auction.bid_closes_at
    before = state()
    with time_machine.travel(jst(2026, 11, 25, 18, 0, 0), tick=False):
        with pytest.raises(bidding.BidRefused) as refused:
            submit(bid_auction, user_a, (res_a.pk, 2_000, 2, 1), (res_a2.pk, 1_000, 1, None))
        with pytest.raises(bidding.BidRefused):
            bidding.withdraw_bid(bid=Bid.objects.get(), actor=user_a, expected_version=1,
                                 idempotency_key=uuid.uuid4())
    assert "2026-11-25 18:00:00" in refused.value.message and "18:00:00.000" in refused.value.message
    assert state() == before


def test_before_the_window_outside_service_hours_and_after_occto_closed_nothing_is_accepted(bid_auction, user_a,
                                                                                           res_a, occto_admin):
    with time_machine.travel(jst(2026, 11, 18, 8, 59, 59), tick=False), pytest.raises(bidding.BidRefused) as early:
        submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    assert "2026-11-18 09:00:00（JST）に始まります" in early.value.message
    # Open by the clock (11-21 is a Saturday) but the service window is closed.
    with time_machine.travel(jst(2026, 11, 21, 12, 0), tick=False), pytest.raises(bidding.BidRefused) as weekend:
        submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    assert "利用時間外" in weekend.value.message
    bid_auction.bids_closed_at, bid_auction.bids_closed_by = jst(2026, 11, 25, 9, 0), occto_admin
    bid_auction.save()
    with pytest.raises(bidding.BidRefused):
        submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None))
    assert not Bid.objects.exists() and not BidSubmission.objects.exists()


# --- optimistic locking -----------------------------------------------------------------------------------------
def test_two_users_with_the_same_version_one_wins_the_other_is_told_who_and_when(bid_auction, user_a, admin_a,
                                                                                res_a, res_a2):
    submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None))
    with time_machine.travel(jst(2026, 11, 25, 14, 5, 6), tick=False):
        submit(bid_auction, admin_a, (res_a.pk, 80_000, 8_000, 1))
    before = state()
    with pytest.raises(bidding.BidConflict) as refused:
        submit(bid_auction, user_a, (res_a.pk, 70_000, 7_000, 1), (res_a2.pk, 10_000, 100, None))
    message = refused.value.message
    assert res_a.name in message and admin_a.full_name in message and "14:05:06" in message
    assert state() == before  # the second user's other bid is not stored either
    assert Bid.objects.get(resource=res_a).quantity_kw == 80_000


def test_a_new_bid_for_a_resource_that_has_one_meanwhile_is_refused(bid_auction, user_a, admin_a, res_a):
    submit(bid_auction, admin_a, (res_a.pk, 90_000, 9_000, None))
    with pytest.raises(bidding.BidConflict):
        submit(bid_auction, user_a, (res_a.pk, 70_000, 7_000, None))
    assert Bid.objects.get().quantity_kw == 90_000


def test_a_version_for_a_resource_without_a_bid_is_refused_without_naming_anyone(bid_auction, user_a, res_a):
    with pytest.raises(bidding.BidConflict) as refused:
        submit(bid_auction, user_a, (res_a.pk, 70_000, 7_000, 3))
    assert refused.value.message == (f"{res_a.name}（{res_a.grid_code}）の応札は、画面に表示された内容から変わって"
                                     "います。画面を再読み込みして確認してください。何も保存されていません。")
    assert not Bid.objects.exists()


def test_a_stale_or_repeated_withdrawal_changes_nothing(bid_auction, user_a, res_a):
    submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None))
    bid = Bid.objects.get()
    with pytest.raises(bidding.BidConflict):
        bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=7, idempotency_key=uuid.uuid4())
    bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=1, idempotency_key=uuid.uuid4())
    before = state()
    with pytest.raises(bidding.BidRefused, match="既に取下げ済みです"):
        bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=2, idempotency_key=uuid.uuid4())
    assert state() == before


# --- idempotency --------------------------------------------------------------------------------------------------
def test_the_same_key_twice_returns_the_first_receipt_and_stores_once(bid_auction, user_a, admin_a, res_a,
                                                                     django_capture_on_commit_callbacks):
    key = uuid.uuid4()
    first = submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None), key=key)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = submit(bid_auction, admin_a, (res_a.pk, 90_000, 9_000, None), key=key)
    assert again.pk == first.pk and again.replayed
    assert BidSubmission.objects.count() == 1 and BidVersion.objects.count() == 1 and mail.outbox == []
    # after the close the replay still finds its receipt (it was accepted before)
    with time_machine.travel(jst(2026, 11, 25, 18, 30), tick=False):
        assert submit(bid_auction, user_a, (res_a.pk, 1_000, 1, 1), key=key).pk == first.pk


def test_a_withdrawal_posted_twice_withdraws_once(bid_auction, user_a, res_a):
    submit(bid_auction, user_a, (res_a.pk, 90_000, 9_000, None))
    bid, key = Bid.objects.get(), uuid.uuid4()
    first = bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=1, idempotency_key=key)
    again = bidding.withdraw_bid(bid=bid, actor=user_a, expected_version=1, idempotency_key=key)
    assert first.pk == again.pk and BidVersion.objects.count() == 2


def test_keys_are_per_operator(bid_auction, user_a, user_b, res_a, operator_b):
    other = ResourceFactory(operator=operator_b)
    ExpectedCapacityFactory(auction=bid_auction, resource=other, expected_kw=10_000)
    key = uuid.uuid4()
    a = submit(bid_auction, user_a, (res_a.pk, 1_000, 1, None), key=key)
    b = submit(bid_auction, user_b, (other.pk, 1_000, 1, None), key=key)
    assert a.pk != b.pk and b.operator_id == operator_b.pk


def test_a_garbage_key_is_refused(bid_auction, user_a, res_a):
    with pytest.raises(bidding.BidRefused):
        bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 1_000, 1, None)],
                            idempotency_key="not-a-uuid")
    assert not Bid.objects.exists()


def test_entries_may_be_tuples_or_bid_entries(bid_auction, user_a, res_a, res_a2):
    receipt = submit(bid_auction, user_a, BidEntry(res_a.pk, 5_000, 5), (res_a2.pk, 6_000, 6, None))
    assert receipt.bid_count == 2
