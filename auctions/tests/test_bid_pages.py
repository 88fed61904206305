"""Operator pages of bidding: the bid page, bid detail and withdrawal, receipts, the CSV download; roles, scoping,
bad input (a message, nothing changes, never a 500), double POSTs, the closing instant and constant queries."""

import logging
import re
import smtplib
import uuid

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auctions.bidding import services as bidding
from auctions.models import Auction, Bid, BidSubmission, BidVersion
from tests.factories import AuctionFactory, ExpectedCapacityFactory, ResourceFactory
from tests.mail_backends import FlakyBackend

from .conftest import jst

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"auctions:{name}", kwargs=kwargs)


def key_of(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)


def form_data(page: str, rows: dict) -> dict:
    """The bid page's POST: the key rendered into the page, each row's version as rendered, and the typed values."""
    data = {"idempotency_key": key_of(page)}
    for name, value in re.findall(r'name="(r\d+-version)" value="(\d+)"', page):
        data[name] = value
    for resource, (quantity, price) in rows.items():
        data[f"r{resource.pk}-quantity_kw"] = quantity
        data[f"r{resource.pk}-price_yen"] = price
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def stored():
    return (list(Bid.objects.order_by("pk").values()), list(BidVersion.objects.order_by("pk").values()),
            BidSubmission.objects.count())


# --- the bid page ---------------------------------------------------------------------------------------------------
def test_the_bid_page_lists_the_qualified_resources_with_the_window_in_jst(client_for, user_a, operator_a, bid_auction,
                                                                          res_a, res_a2):
    ResourceFactory(operator=operator_a, name="資格なし電源")  # not qualified: not a row
    page = client_for(user_a).get(url("bids", pk=bid_auction.pk)).content.decode()
    assert page.count('class="bid-row') == 2 and "資格なし電源" not in page
    assert "みらい火力1号機" in page and "100,000" in page and "15,112.5" in page
    assert "2026-11-25 18:00:00 JST" in page and "2026-11-18 09:00:00 JST" in page
    uuid.UUID(key_of(page))
    assert key_of(page) != key_of(client_for(user_a).get(url("bids", pk=bid_auction.pk)).content.decode())


def test_the_bid_page_states_the_smallest_bid_and_the_expected_capacity_as_the_bounds(client_for, user_a,
                                                                                       bid_auction, res_a):
    page = client_for(user_a).get(url("bids", pk=bid_auction.pk)).content.decode()
    assert "応札容量：このオークションの最低応札容量1,000 kWから、電源等の承認済み期待容量まで。" in page
    assert "1kWから" not in page
    Auction.objects.filter(pk=bid_auction.pk).update(min_bid_kw=2_500)
    client = client_for(user_a)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert "Quantity: from 2,500 kW (the smallest bid of this auction) up to the approved expected capacity" in page


def test_a_quantity_outside_the_bounds_is_refused_on_its_row(client_for, user_a, bid_auction, res_a, res_a2):
    """999 kW (below the smallest bid) and 50,001 kW (above res_a2's 50,000 kW): both rows refused, each with its
    message on its quantity; nothing stored. 1,000 and 50,000 kW are then accepted."""
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    response = client.post(url("bids", pk=bid_auction.pk),
                           form_data(page, {res_a: ("999", "100"), res_a2: ("50,001", "100")}))
    body = response.content.decode()
    assert response.status_code == 200 and body.count('class="bid-row has-error"') == 2
    assert "応札容量（999 kW）がこのオークションの最低応札容量（1,000 kW）を下回っています。" in body
    assert "応札容量（50,001 kW）は承認済み期待容量（50,000 kW）を超えられません。" in body
    assert stored() == ([], [], 0)
    response = client.post(url("bids", pk=bid_auction.pk),
                           form_data(page, {res_a: ("1,000", "100"), res_a2: ("50000", "100")}))
    assert response.status_code == 302
    assert sorted(Bid.objects.values_list("quantity_kw", flat=True)) == [1_000, 50_000]


def test_negative_and_huge_values_are_refused_with_the_real_bounds_not_the_field_limits(
        client_for, user_a, bid_auction, res_a, res_a2):
    """-1,000 kW or 10^30 kW, a negative or huge price: the messages name the smallest bid, the expected capacity and
    the upper price with separators, never 「1 以上」 or 「2147483647 以下」; nothing stored."""
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    body = client.post(url("bids", pk=bid_auction.pk),
                       form_data(page, {res_a: ("-1000", "-5"), res_a2: ("1" + "0" * 30, "9" * 30)})).content.decode()
    assert "最低応札容量（1,000 kW）を下回っています" in body
    assert "承認済み期待容量（50,000 kW）を超えられません" in body
    assert "2147483647" not in body and "1 以上" not in body
    assert stored() == ([], [], 0)


def test_saving_stores_every_filled_row_as_one_receipt_and_shows_it(client_for, user_a, bid_auction, res_a, res_a2):
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    with time_machine.travel(jst(2026, 11, 25, 15, 4, 5, 678000), tick=False):
        response = client.post(url("bids", pk=bid_auction.pk), form_data(page, {res_a: ("９０，０００", "9,000"),
                                                                                  res_a2: ("", "")}))
    receipt = BidSubmission.objects.get()
    assert response["Location"] == url("bid_receipt", pk=receipt.pk)
    assert Bid.objects.get().quantity_kw == 90_000 and receipt.bid_count == 1  # the empty row is no bid
    page = client.get(response["Location"]).content.decode()
    assert receipt.receipt_number in page and "2026-11-25 15:04:05 JST" in page and "みらい火力1号機" in page
    bid_page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert 'value="90000"' in bid_page and receipt.receipt_number in bid_page


# --- the receipt e-mail (capacity_market.notifications) -------------------------------------------------------------
@pytest.fixture
def flaky_relay(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    monkeypatch.setattr(FlakyBackend, "errors", [])
    monkeypatch.setattr(FlakyBackend, "attempts", 0)
    return FlakyBackend.errors


def test_the_receipt_is_queued_on_commit_and_a_dropped_relay_connection_is_retried(
        client_for, user_a, bid_auction, res_a, flaky_relay, django_capture_on_commit_callbacks):
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    flaky_relay.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url("bids", pk=bid_auction.pk), form_data(page, {res_a: ("1000", "100")}))
    assert response.status_code == 302 and mail.outbox == [], "the request itself sends nothing"
    for callback in queued:
        callback()

    receipt = BidSubmission.objects.get()
    assert FlakyBackend.attempts == 2
    [message] = mail.outbox
    assert message.to == [user_a.email] and receipt.receipt_number in message.subject


def test_the_bids_are_kept_and_the_page_redirects_when_the_mail_relay_is_down(
        client_for, user_a, bid_auction, res_a, flaky_relay, caplog, django_capture_on_commit_callbacks):
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    flaky_relay.extend(ConnectionRefusedError(111, "Connection refused") for _ in range(10))

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("bids", pk=bid_auction.pk), form_data(page, {res_a: ("1000", "100")}))

    receipt = BidSubmission.objects.get()
    assert response.status_code == 302 and response["Location"] == url("bid_receipt", pk=receipt.pk)
    assert Bid.objects.get().quantity_kw == 1000
    assert mail.outbox == []
    assert "E-mail NOT SENT after 7 attempt(s): auctions/email/bid_receipt" in caplog.text


def test_a_double_post_with_the_same_key_stores_once(client_for, user_a, bid_auction, res_a):
    client = client_for(user_a)
    data = form_data(client.get(url("bids", pk=bid_auction.pk)).content.decode(), {res_a: ("90000", "9000")})
    first = client.post(url("bids", pk=bid_auction.pk), data)
    second = client.post(url("bids", pk=bid_auction.pk), data)
    assert first["Location"] == second["Location"]
    assert BidSubmission.objects.count() == 1 and BidVersion.objects.count() == 1
    assert any("BR-" in m for m in messages_of(second))


def test_bad_rows_show_errors_per_row_and_nothing_is_stored(client_for, user_a, bid_auction, res_a, res_a2):
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    data = form_data(page, {res_a: ("100001", "15113"), res_a2: ("1000", "")})
    response = client.post(url("bids", pk=bid_auction.pk), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "100,000 kW" in body and "15,112" in body  # the rule errors of the well-formed row are listed too
    assert body.count('class="bid-row has-error"') == 2
    # Each error is tied to its input: aria-invalid, and aria-describedby naming the message's element.
    for field in ("quantity_kw", "price_yen"):
        error_id = f"id_r{res_a.pk}-{field}_error"
        assert f'aria-describedby="{error_id}"' in body and f'id="{error_id}"' in body
    assert key_of(body) == data["idempotency_key"]  # nothing stored: the same key again
    for garbage in ("abc", "1.5", "-3", "9" * 30):
        data[f"r{res_a.pk}-quantity_kw"] = garbage
        assert client.post(url("bids", pk=bid_auction.pk), data).status_code == 200
    assert stored() == ([], [], 0)


def test_a_missing_key_is_a_message_and_nothing_is_stored(client_for, user_a, bid_auction, res_a):
    response = client_for(user_a).post(url("bids", pk=bid_auction.pk), {f"r{res_a.pk}-quantity_kw": "1",
                                                                          f"r{res_a.pk}-price_yen": "1"})
    assert response.status_code == 302 and messages_of(response)
    assert stored() == ([], [], 0)


def test_two_users_saving_the_same_version_one_wins_the_other_gets_the_message(client_for, user_a, admin_a,
                                                                              bid_auction, res_a, res_a2):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    first, second = client_for(user_a), client_for(admin_a)
    page_1 = first.get(url("bids", pk=bid_auction.pk)).content.decode()
    page_2 = second.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert first.post(url("bids", pk=bid_auction.pk), form_data(page_1, {res_a: ("80000", "8000")})).status_code == 302
    before = stored()
    response = second.post(url("bids", pk=bid_auction.pk),
                           form_data(page_2, {res_a: ("70000", "7000"), res_a2: ("1000", "10")}))
    assert response.status_code == 200
    [message] = messages_of(response)
    assert "みらい火力1号機" in message and user_a.full_name in message
    assert stored() == before and Bid.objects.get().quantity_kw == 80_000


def test_at_the_closing_instant_the_page_refuses_and_stores_nothing(client_for, user_a, operator_a):
    auction = AuctionFactory(bidding=True, bid_closes_at=jst(2026, 11, 25, 15, 0))
    resource = ResourceFactory(operator=operator_a)
    ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=1_000)
    client = client_for(user_a)
    page = client.get(url("bids", pk=auction.pk)).content.decode()
    with time_machine.travel(jst(2026, 11, 25, 15, 0, 0), tick=False):
        response = client.post(url("bids", pk=auction.pk), form_data(page, {resource: ("1000", "1")}))
    assert response.status_code == 200 and "15:00:00" in messages_of(response)[0]
    assert key_of(response.content.decode()) == key_of(page)
    assert stored() == ([], [], 0)
    with time_machine.travel(jst(2026, 11, 25, 14, 59, 59, 999000), tick=False):
        response = client.post(url("bids", pk=auction.pk), form_data(page, {resource: ("1000", "1")}))
    assert response.status_code == 302 and Bid.objects.count() == 1


def test_at_18_00_00_the_service_window_refuses_the_post_and_nothing_is_stored(client_for, user_a, bid_auction,
                                                                               res_a):
    client = client_for(user_a)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    with time_machine.travel(jst(2026, 11, 25, 18, 0, 0), tick=False):
        response = client.post(url("bids", pk=bid_auction.pk), form_data(page, {res_a: ("1000", "1")}))
    assert response.status_code == 503
    assert stored() == ([], [], 0)


def test_the_page_says_when_bids_are_not_accepted_and_disables_saving(client_for, user_a, operator_a):
    auction = AuctionFactory()  # bids in 2027
    ExpectedCapacityFactory(auction=auction, resource=ResourceFactory(operator=operator_a), expected_kw=1_000)
    page = client_for(user_a).get(url("bids", pk=auction.pk)).content.decode()
    assert "disabled" in page and 'id="bid-window-state"' in page


# --- permissions ----------------------------------------------------------------------------------------------------
def test_operator_b_sees_only_its_own_rows_and_gets_404_for_a_bid_and_receipt(client_for, user_a, user_b, bid_auction,
                                                                             res_a):
    receipt = bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 1_000, 1, None)],
                                  idempotency_key=uuid.uuid4())
    bid = Bid.objects.get()
    client = client_for(user_b)
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert "みらい火力1号機" not in page and receipt.receipt_number not in page
    for target in (url("bid_detail", pk=bid_auction.pk, bid_pk=bid.pk),
                   url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk), url("bid_receipt", pk=receipt.pk)):
        assert client.get(target).status_code == 404
    assert client.post(url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk),
                       {"version": 1, "idempotency_key": str(uuid.uuid4())}).status_code == 404
    assert Bid.objects.get().status == "active"
    csv = client.get(url("bids_csv", pk=bid_auction.pk)).content.decode("utf-8-sig")
    assert res_a.grid_code not in csv


def test_staff_and_visitors_have_no_bid_pages(client, client_for, reviewer, occto_admin, bid_auction):
    assert client.get(url("bids", pk=bid_auction.pk)).status_code == 302
    for user in (reviewer, occto_admin):
        assert client_for(user).get(url("bids", pk=bid_auction.pk)).status_code == 404


def test_a_bid_of_another_auction_is_404_under_this_one(client_for, user_a, bid_auction, res_a):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 1_000, 1, None)],
                        idempotency_key=uuid.uuid4())
    other = AuctionFactory()
    assert client_for(user_a).get(url("bid_detail", pk=other.pk, bid_pk=Bid.objects.get().pk)).status_code == 404


# --- detail, withdrawal, receipt, CSV ---------------------------------------------------------------------------------
def test_the_detail_shows_every_version_and_the_withdrawal_is_confirmed_then_posted(client_for, user_a, bid_auction,
                                                                                   res_a):
    client = client_for(user_a)
    for entry in ((res_a.pk, 90_000, 9_000, None), (res_a.pk, 80_000, 8_000, 1)):
        bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[entry], idempotency_key=uuid.uuid4())
    bid = Bid.objects.get()
    detail = client.get(url("bid_detail", pk=bid_auction.pk, bid_pk=bid.pk)).content.decode()
    assert detail.count('class="bid-version"') == 2 and url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk) in detail
    confirm = client.get(url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk)).content.decode()
    data = {"version": "2", "idempotency_key": key_of(confirm)}
    response = client.post(url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk), data)
    again = client.post(url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk), data)
    bid.refresh_from_db()
    assert (bid.status, bid.version) == ("withdrawn", 3) and response["Location"] == again["Location"]
    assert BidSubmission.objects.count() == 3


def test_a_stale_or_garbage_withdrawal_is_a_message_and_changes_nothing(client_for, user_a, bid_auction, res_a):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 1_000, 1, None)],
                        idempotency_key=uuid.uuid4())
    bid = Bid.objects.get()
    client = client_for(user_a)
    target = url("bid_withdraw", pk=bid_auction.pk, bid_pk=bid.pk)
    for data in ({}, {"version": "abc", "idempotency_key": "x"},
                 {"version": "9", "idempotency_key": str(uuid.uuid4())}):
        response = client.post(target, data)
        assert response.status_code == 302 and messages_of(response)
    assert Bid.objects.get().status == "active" and BidVersion.objects.count() == 1


def test_the_csv_download_lists_the_operators_bids_with_a_bom(client_for, user_a, bid_auction, res_a, res_a2):
    bidding.submit_bids(auction=bid_auction, actor=user_a, entries=[(res_a.pk, 90_000, 9_000, None)],
                        idempotency_key=uuid.uuid4())
    response = client_for(user_a).get(url("bids_csv", pk=bid_auction.pk))
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("オークション,応札ID,系統コード") and len(lines) == 2
    assert res_a.grid_code in lines[1] and ",90000,9000," in lines[1]


def test_the_auction_detail_links_to_the_bids_while_open_or_when_there_are_bids(client_for, user_a, operator_a,
                                                                                bid_auction):
    client = client_for(user_a)
    assert url("bids", pk=bid_auction.pk) in client.get(url("detail", pk=bid_auction.pk)).content.decode()
    later = AuctionFactory()
    assert url("bids", pk=later.pk) not in client.get(url("detail", pk=later.pk)).content.decode()


def test_the_page_reads_in_english(client_for, user_a, bid_auction, res_a):
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert "Save all bids" in page and "Bid window closes" in page


# --- query counts ---------------------------------------------------------------------------------------------------
def _count(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_run_the_same_queries_for_1_and_30_resources(client_for, user_a, operator_a, bid_auction):
    client = client_for(user_a)

    def add(n):
        entries = []
        for _ in range(n):
            resource = ResourceFactory(operator=operator_a)
            ExpectedCapacityFactory(auction=bid_auction, resource=resource, expected_kw=10_000)
            entries.append((resource.pk, 5_000, 1_000, None))
        return bidding.submit_bids(auction=bid_auction, actor=user_a, entries=entries, idempotency_key=uuid.uuid4())

    receipt = add(1)
    targets = [url("bids", pk=bid_auction.pk), url("bids_csv", pk=bid_auction.pk),
               url("bid_receipt", pk=receipt.pk)]
    one = [_count(client, t) for t in targets]
    big = add(29)
    assert [_count(client, t) for t in targets[:2]] + [_count(client, url("bid_receipt", pk=big.pk))] == one
