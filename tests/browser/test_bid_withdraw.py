"""Issue #9, friction 6, in real Chromium and in Japanese: each bid row of the bid page has a visible 取下げ action;
the operator withdraws a bid from the list through its confirmation page, the row then shows the bid as 取下げ
without the action, and opening the withdrawal of the withdrawn bid again says why instead of asking to confirm."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from auctions.bidding import services as bidding
from auctions.models import Bid
from tests import factories

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 10_000
AUCTION_NAME = "メインオークション（実需給2031年度）"


def bid_row(page, name):
    return page.locator("#bid-table tbody tr", has_text=name)


def test_an_operator_withdraws_a_bid_from_the_bid_lists_withdraw_action(live_server, page, shot):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    auction = factories.AuctionFactory(bidding=True, name=AUCTION_NAME, delivery_fiscal_year=2031)
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    user = factories.OperatorUserFactory(operator=operator, login_id="sakura.user", full_name="桜 花子")
    entries = []
    for name, kw, price in (("さくら火力1号機", 120_000, 6_000), ("さくら火力2号機", 80_000, 7_000)):
        resource = factories.ResourceFactory(operator=operator, submitted_by=user, name=name, installed_kw=150_000)
        factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=kw)
        entries.append(bidding.BidEntry(resource.pk, kw, price))
    bidding.submit_bids(auction=auction, actor=user, entries=entries, idempotency_key=uuid.uuid4())
    withdrawn = Bid.objects.get(resource__name="さくら火力2号機")

    log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
    page.goto(f"{base}/auctions/{auction.pk}/bids/")
    expect(page.locator("h1")).to_have_text(f"応札：{AUCTION_NAME}")
    for name in ("さくら火力1号機", "さくら火力2号機"):  # visible on every active bid's row, named by its resource
        expect(bid_row(page, name).get_by_role("link", name=f"取下げ: {name}", exact=True)).to_be_visible()
    expect(bid_row(page, "さくら火力2号機")).to_contain_text("80,000 kW / 7,000円/kW")
    shot("bid-list-with-withdraw-actions")

    bid_row(page, "さくら火力2号機").get_by_role("link", name="取下げ: さくら火力2号機").click()
    expect(page.locator("h1")).to_have_text(f"応札{withdrawn.bid_code}（さくら火力2号機）を取下げますか？")
    expect(page.locator("main")).to_contain_text("80,000 kW・7,000円/kWの応札はオークションの対象外になります。")
    shot("withdraw-confirmation")
    page.get_by_role("button", name="取下げ", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("受け付けました。受付番号BR-")
    receipt_rows = page.locator("tr.receipt-bid")
    expect(receipt_rows).to_have_count(1)
    expect(receipt_rows).to_contain_text("さくら火力2号機")
    expect(receipt_rows).to_contain_text("取下げ")

    page.get_by_role("link", name="応札画面に戻る").click()
    expect(bid_row(page, "さくら火力2号機").locator(".badge")).to_have_text("取下げ")
    expect(bid_row(page, "さくら火力2号機").get_by_role("link", name=re.compile("^取下げ"))).to_have_count(0)
    expect(bid_row(page, "さくら火力1号機").get_by_role("link", name="取下げ: さくら火力1号機")).to_be_visible()
    shot("bid-list-after-withdrawal")
    assert Bid.objects.get(pk=withdrawn.pk).status == "withdrawn"

    # The withdrawal page of the withdrawn bid (an old tab, a bookmark) says why; it offers no button.
    page.goto(f"{base}/auctions/{auction.pk}/bids/{withdrawn.pk}/withdraw/")
    expect(page.locator("h1")).to_have_text(f"応札{withdrawn.bid_code}（さくら火力2号機）は取下げできません")
    expect(page.locator("#withdraw-refusal")).to_have_text("この応札は既に取下げ済みです。")
    expect(page.get_by_role("button", name="取下げ")).to_have_count(0)
    shot("withdraw-refused")
