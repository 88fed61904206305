"""How bids read (issue #9, friction 3 and 6): each withdrawable bid row has a visible 取下げ action, a bid that cannot
be withdrawn says why instead of asking to confirm, errors are counted by bid (row) not by cell, and every yen and kW
in a message has its thousands separators as on the pages."""

import re
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from auctions.bidding import services as bidding
from auctions.models import Auction, Bid, BidVersion

from .conftest import jst

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"auctions:{name}", kwargs=kwargs)


def withdraw_links(page: str) -> list[str]:
    return re.findall(r'<a class="button small danger withdraw" href="([^"]+)" aria-label="([^"]+)">取下げ</a>', page)


def text(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def bid(auction, user, resource, kw=90_000, price=9_000):
    bidding.submit_bids(auction=auction, actor=user, entries=[(resource.pk, kw, price, None)],
                        idempotency_key=uuid.uuid4())
    return Bid.objects.get(resource=resource)


# --- 取下げ on the bid list -------------------------------------------------------------------------------------------
def test_each_active_bid_row_has_a_withdraw_action_named_by_its_resource(client_for, user_a, bid_auction, res_a,
                                                                        res_a2):
    active = bid(bid_auction, user_a, res_a)
    page = client_for(user_a).get(url("bids", pk=bid_auction.pk)).content.decode()
    # res_a2 has no bid: no action; res_a's row links to its withdrawal, named for a screen reader.
    assert withdraw_links(page) == [(url("bid_withdraw", pk=bid_auction.pk, bid_pk=active.pk), "取下げ: みらい火力1号機")]
    assert "90,000 kW / 9,000円/kW" in text(page)


def test_a_withdrawn_bid_and_a_closed_window_show_no_withdraw_action(client_for, user_a, bid_auction, res_a, res_a2):
    withdrawn = bid(bid_auction, user_a, res_a)
    bidding.withdraw_bid(bid=withdrawn, actor=user_a, expected_version=1, idempotency_key=uuid.uuid4())
    bid(bid_auction, user_a, res_a2, kw=50_000)
    client = client_for(user_a)
    assert len(withdraw_links(client.get(url("bids", pk=bid_auction.pk)).content.decode())) == 1  # res_a2 only
    with time_machine.travel(jst(2026, 11, 25, 18, 0, 0), tick=False):  # the window's closing instant
        assert withdraw_links(client.get(url("bids", pk=bid_auction.pk)).content.decode()) == []
    Auction.objects.filter(pk=bid_auction.pk).update(bids_closed_at=jst(2026, 11, 25, 9, 30))  # closed by OCCTO
    assert withdraw_links(client.get(url("bids", pk=bid_auction.pk)).content.decode()) == []


def test_the_bid_page_reads_withdraw_in_english(client_for, user_a, bid_auction, res_a):
    bid(bid_auction, user_a, res_a)
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(url("bids", pk=bid_auction.pk)).content.decode()
    assert 'aria-label="Withdraw: みらい火力1号機">Withdraw</a>' in page
    assert "90,000 kW / 9,000 yen/kW" in text(page)


def test_a_bid_that_cannot_be_withdrawn_says_why_instead_of_asking_to_confirm(client_for, user_a, bid_auction, res_a):
    withdrawn = bid(bid_auction, user_a, res_a)
    bidding.withdraw_bid(bid=withdrawn, actor=user_a, expected_version=1, idempotency_key=uuid.uuid4())
    client = client_for(user_a)
    target = url("bid_withdraw", pk=bid_auction.pk, bid_pk=withdrawn.pk)
    page = client.get(target).content.decode()
    assert "この応札は既に取下げ済みです。" in page and 'id="withdraw-refusal"' in page
    assert "を取下げますか" not in page and "<form" not in page.split("<main", 1)[1]
    assert "取り下げ" not in page  # one word for it: 取下げ


def test_a_closed_window_makes_the_withdraw_page_say_so_and_a_post_changes_nothing(client_for, user_a, bid_auction,
                                                                                  res_a):
    active = bid(bid_auction, user_a, res_a)
    client = client_for(user_a)
    target = url("bid_withdraw", pk=bid_auction.pk, bid_pk=active.pk)
    open_page = client.get(target).content.decode()
    assert "を取下げますか？" in open_page and 'name="idempotency_key"' in open_page
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', open_page).group(1)
    Auction.objects.filter(pk=bid_auction.pk).update(bids_closed_at=jst(2026, 11, 25, 9, 30))
    page = client.get(target).content.decode()
    assert "広域機関" in page and 'id="withdraw-refusal"' in page and 'name="idempotency_key"' not in page
    response = client.post(target, {"version": "1", "idempotency_key": key})
    assert response.status_code == 302 and [str(m) for m in get_messages(response.wsgi_request)]
    assert Bid.objects.get().status == "active" and BidVersion.objects.count() == 1


# --- counting and formatting in messages ---------------------------------------------------------------------------
def test_one_bid_with_two_bad_cells_is_counted_as_one_bid(user_a, bid_auction, res_a, res_a2):
    entries = [(res_a.pk, 100_001, 15_113, None), (res_a2.pk, 40_000, 9_000, None)]  # two errors, one bid
    with pytest.raises(bidding.BidsInvalid) as raised:
        bidding.submit_bids(auction=bid_auction, actor=user_a, entries=entries, idempotency_key=uuid.uuid4())
    assert len(raised.value.errors) == 2
    assert raised.value.message == "1件の応札に誤りがあるため、何も保存されていません。"
    entries = [(res_a.pk, 100_001, 15_113, None), (res_a2.pk, 50_001, 9_000, None)]
    with pytest.raises(bidding.BidsInvalid) as raised:
        bidding.submit_bids(auction=bid_auction, actor=user_a, entries=entries, idempotency_key=uuid.uuid4())
    assert raised.value.message == "2件の応札に誤りがあるため、何も保存されていません。"


def test_prices_in_the_error_messages_have_separators_as_on_the_page(user_a, bid_auction, res_a):
    errors = bidding.check_entries(auction=bid_auction, operator_id=user_a.operator_id,
                                   entries=[bidding.BidEntry(res_a.pk, 90_000, 15_113)])
    assert [e.message for e in errors] == [
        "応札価格（15,113円/kW）は上限価格（15,112.5円/kW。整数では15,112円まで）を超えられません。"]
    Auction.objects.filter(pk=bid_auction.pk).update(net_cone=Decimal(9000))  # upper price 13,500 exactly
    bid_auction.refresh_from_db()
    errors = bidding.check_entries(auction=bid_auction, operator_id=user_a.operator_id,
                                   entries=[bidding.BidEntry(res_a.pk, 90_000, 13_501)])
    assert "上限価格（13,500円/kW。整数では13,500円まで）" in errors[0].message  # not 「13500円/kW」


# --- the bid CSV import counts rows (the shared import kit) ---------------------------------------------------------
def test_an_import_row_with_two_bad_cells_is_counted_as_one_row(client_for, user_a, bid_auction, res_a, res_a2):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from auctions.bidding.csv_import import HEADERS
    from capacity_market import bulk_import
    from capacity_market.models import ImportJob

    rows = [[bid_auction.code, res_a.grid_code, "", "100001", "15113", ""],  # two errors, one row
            [bid_auction.code, res_a2.grid_code, "", "50000", "9000", ""]]
    text = "\r\n".join([",".join(HEADERS)] + [",".join(row) for row in rows]) + "\r\n"
    client = client_for(user_a)
    client.post(url("bid_import", pk=bid_auction.pk),
                {"file": SimpleUploadedFile("bids.csv", text.encode("cp932"), content_type="text/csv")})
    job = ImportJob.objects.get(kind="auctions.bids")
    assert job.status == "invalid" and len(job.errors) == 2
    assert bulk_import.status(job)["error_rows"] == 1
    page = client.get(url("bid_import_job", pk=job.pk)).content.decode()
    assert "1行に誤りがあります。何も保存されていません。" in page
    assert "15,113円/kW" in page and "15,112.5円/kW" in page and "100,000 kW" in page  # separators in the messages
    assert not Bid.objects.exists()
