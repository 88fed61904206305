"""Issue #4, "Done means", in real Chromium and in Japanese: an operator user bids for three resources in one save,
changes one bid and withdraws another; the bid window closes (the clock moves to the next business day); the OCCTO
administrator closes the bids, clears the auction and publishes the run through its confirmation page; the operator
sees its awards, the area prices and the supply–demand chart, and downloads its awards as CSV.

Made up front: the auction (bid window open now, the small demand curve, 100,000 kW of fixed supply, a short block
"中部"), operator A's three qualified resources, and operator B's four bids (through the bidding service). Everything
else happens through the pages.

The clearing, by hand (clearing-format.md; P_up 15,112.5 up to 400,000 kW, Net CONE 10,075 at 500,000 kW, 0 at
600,000 kW). Active bids by price, S = fixed supply + the bids so far:
  B九州1 150,000 @ 3,000 (S 250,000, D 15,112.5) · A火力1 150,000 @ 5,500 (S 400,000, D 15,112.5) ·
  A火力3 60,000 @ 9,500 (S 460,000, D 12,090) · B九州2 40,000 @ 11,000 (S 500,000, D 10,075 ≤ 11,000): the national
  price is 11,000 yen/kW; B中部 50,000 @ 13,000 and B東北 30,000 @ 14,000 lose nationally.
  Short block 中部 (30,000 kW more): B中部 is accepted in full; block price max(11,000, min(13,000, 15,112.5)) = 13,000.
  A is paid 11,000: 150,000 kW → 1,650,000,000 yen and 60,000 kW → 660,000,000 yen (210,000 kW, 2,310,000,000 yen).
  In all 450,000 kW awarded (5 of 6 bids) for 5,050,000,000 yen; 500,000 kW offered at or below 11,000.
Without the change (120,000 @ 6,000) the price would be 13,000; without the withdrawal (80,000 @ 7,000) 9,500.
"""

import csv
import io
import re
import uuid
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from auctions.bidding import services as bidding
from auctions.models import FixedSupplyItem, ShortBlock
from auctions.tests.conftest import jst
from auctions.tests.results_support import SMALL_CURVE
from tests import factories

from .helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 10_000
NEXT_BUSINESS_DAY = jst(2026, 11, 26, 10, 0)  # Thu: the window closed yesterday at 18:00:00
AUCTION_NAME = "メインオークション（実需給2031年度）"
FIRE1, FIRE2, FIRE3 = "0300000000000000000101", "0300000000000000000102", "0300000000000000000103"
RECEIPT_RE = re.compile(r"受け付けました。受付番号(BR-\d{6})（(2026-11-25 \d\d:\d\d:\d\d) JST）。")


def bid_row(page, name):
    return page.locator("#bid-table tbody tr", has_text=name)


def fill_bid(page, name, quantity, price):
    """Type into the row's two cells, found by their accessible names as a screen reader announces them."""
    page.get_by_role("textbox", name=f"容量（kW）: {name}", exact=True).fill(quantity)
    page.get_by_role("textbox", name=f"価格（円/kW）: {name}", exact=True).fill(price)


def receipt_number(page) -> str:
    match = RECEIPT_RE.search(page.locator(".messages").inner_text())
    assert match, page.locator(".messages").inner_text()
    expect(page.locator("h1")).to_have_text(f"応札受付票 {match.group(1)}")
    expect(page.locator("#receipt-number")).to_have_text(match.group(1))
    return match.group(1)


def market():
    """The auction, operator A's user and resources, operator B's bids, and the OCCTO administrator."""
    auction = factories.AuctionFactory(bidding=True, **SMALL_CURVE, dr_cap_kw=None,
                                       delivery_fiscal_year=2031)  # named AUCTION_NAME from kind and year
    FixedSupplyItem.objects.create(auction=auction, label="FIT電源の期待容量", kw=100_000)
    ShortBlock.objects.create(auction=auction, order=1, name="中部", areas=["chubu"], additional_kw=30_000)
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    user = factories.OperatorUserFactory(operator=operator, login_id="sakura.user", full_name="桜 花子")
    for code, name, area, kw in ((FIRE1, "さくら火力1号機", "tokyo", 200_000), (FIRE2, "さくら火力2号機", "tokyo", 100_000),
                                 (FIRE3, "さくら火力3号機", "kansai", 100_000)):
        resource = factories.ResourceFactory(operator=operator, submitted_by=user, grid_code=code, name=name, area=area,
                                             installed_kw=max(kw, 150_000))
        factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=kw)
    other = factories.OperatorFactory(name="九州テスト電力株式会社")
    other_user = factories.OperatorUserFactory(operator=other, login_id="kyushu.user")
    entries = []
    for name, area, kw, price in (("B九州1", "kyushu", 150_000, 3_000), ("B九州2", "kyushu", 40_000, 11_000),
                                  ("B中部", "chubu", 50_000, 13_000), ("B東北", "tohoku", 30_000, 14_000)):
        resource = factories.ResourceFactory(operator=other, submitted_by=other_user, name=name, area=area)
        factories.ExpectedCapacityFactory(auction=auction, resource=resource, expected_kw=kw)
        entries.append(bidding.BidEntry(resource.pk, kw, price))
    bidding.submit_bids(auction=auction, actor=other_user, entries=entries, idempotency_key=uuid.uuid4())
    occto = factories.OcctoAdminFactory(login_id="occto.kanri", full_name="広域 太郎")
    return auction, user, occto


def test_an_operator_bids_changes_and_withdraws_then_occto_clears_and_publishes_and_the_operator_sees_its_awards(
    live_server, page, browser, browser_context_args, shot,
):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    auction, user, occto = market()

    # 1. The operator user opens the auction's bid page and bids for its three resources in one save. ---------------
    log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="オークション").click()
    page.get_by_role("link", name=AUCTION_NAME).click()
    expect(page.locator("h1")).to_have_text(AUCTION_NAME)
    page.get_by_role("main").get_by_role("link", name="応札", exact=True).click()
    expect(page.locator("h1")).to_have_text(f"応札：{AUCTION_NAME}")
    expect(page.locator("#bid-window-state")).to_have_text("応札受付中")
    expect(page.locator("main")).to_contain_text("上限価格：15,112.5円/kW（整数では15,112円まで）。")
    expect(page.locator("#bid-table tbody tr")).to_have_count(3)
    expect(bid_row(page, "さくら火力1号機")).to_contain_text("200,000")
    fill_bid(page, "さくら火力1号機", "120000", "6000")
    fill_bid(page, "さくら火力2号機", "80,000", "7000")
    fill_bid(page, "さくら火力3号機", "６００００", "9500")  # full-width digits, as people type them
    page.get_by_role("button", name="すべての応札を保存").click()
    first = receipt_number(page)
    receipt_rows = page.locator("tr.receipt-bid")
    expect(receipt_rows).to_have_count(3)
    expect(receipt_rows.filter(has_text="さくら火力1号機")).to_contain_text("120,000")
    expect(receipt_rows.filter(has_text="さくら火力2号機")).to_contain_text("80,000")
    expect(receipt_rows.filter(has_text="さくら火力3号機")).to_contain_text("60,000")
    expect(receipt_rows.filter(has_text="さくら火力3号機")).to_contain_text("9,500")
    shot("bids-accepted")

    # 2. It changes the first bid: a new receipt, and the bid's history shows both versions. ------------------------
    page.get_by_role("link", name="応札画面に戻る").click()
    expect(bid_row(page, "さくら火力1号機")).to_contain_text("120,000 kW / 6,000円/kW")
    expect(bid_row(page, "さくら火力1号機").locator("input[name$=quantity_kw]")).to_have_value("120000")
    fill_bid(page, "さくら火力1号機", "150000", "5500")
    page.get_by_role("button", name="すべての応札を保存").click()
    second = receipt_number(page)
    assert second != first
    expect(receipt_rows).to_have_count(1)  # the unchanged rows are not stored again
    expect(receipt_rows).to_contain_text("変更")
    receipt_rows.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("さくら火力1号機")
    versions = page.locator("tr.bid-version")
    expect(versions).to_have_count(2)
    # newest first
    at = re.compile(r"^2026-11-25 10:\d\d:\d\d JST\s*$")
    expect(versions.nth(0).locator("td")).to_have_text(["2", "変更", "有効", "150,000", "5,500", at, "桜 花子", second])
    expect(versions.nth(1).locator("td")).to_have_text(["1", "応札", "有効", "120,000", "6,000", at, "桜 花子", first])
    shot("bid-history")

    # 3. It withdraws the second bid through the confirmation page. --------------------------------------------------
    page.get_by_role("link", name="応札画面に戻る").click()
    bid_row(page, "さくら火力2号機").get_by_role("link", name="80,000 kW / 7,000円/kW").click()
    page.get_by_role("link", name="この応札を取下げ").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^応札B-\d{7}（さくら火力2号機）を取下げますか？$"))
    shot("withdraw-confirmation")
    page.get_by_role("button", name="取下げ").click()
    third = receipt_number(page)
    expect(receipt_rows).to_have_count(1)
    expect(receipt_rows).to_contain_text("取下げ")
    page.get_by_role("link", name="応札画面に戻る").click()
    expect(bid_row(page, "さくら火力2号機").locator(".badge")).to_have_text("取下げ")
    expect(bid_row(page, "さくら火力1号機").locator(".badge")).to_have_text("有効")
    expect(bid_row(page, "さくら火力1号機")).to_contain_text("150,000 kW / 5,500円/kW")
    receipts = page.locator("table", has_text="最近の受付").locator("tbody tr")
    expect(receipts).to_have_count(3)
    expect(receipts.nth(0)).to_contain_text(third)
    shot("bids-after-withdrawal")

    with time_machine.travel(NEXT_BUSINESS_DAY, tick=True):
        # 4. The window has closed: the next business day the bid page accepts nothing. ------------------------------
        page.goto(f"{base}/auctions/{auction.pk}/bids/")
        # Yesterday's session (8 hours) has expired: the operator logs in again.
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/auctions/\d+/bids/$"))
        log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
        page.goto(f"{base}/auctions/{auction.pk}/bids/")
        expect(page.locator("h1")).to_have_text(f"応札：{AUCTION_NAME}")
        expect(page.locator("#bid-window-state")).to_have_text("現在は応札を受け付けていません")
        expect(page.get_by_role("button", name="すべての応札を保存")).to_be_disabled()
        shot("bid-window-closed")

        # 5. The OCCTO administrator closes the bids, clears the auction and publishes the run. ---------------------
        context = browser.new_context(**browser_context_args)
        admin_page = context.new_page()
        admin_page.set_default_timeout(STEP_TIMEOUT_MS)
        log_in(admin_page, base_url=base, login_id=occto.login_id, password=factories.PASSWORD)
        admin_page.goto(f"{base}/admin/auctions/auction/{auction.pk}/change/")
        admin_page.get_by_role("link", name="応札と約定処理").click()
        expect(admin_page.locator("h1")).to_have_text(f"約定処理: {AUCTION_NAME}")
        expect(admin_page.locator("#content-main")).to_contain_text(
            "応札受付期間の終了: 2026-11-25 18:00:00（日本時間）。有効な応札: 6 件。")
        expect(admin_page.locator("#content-main")).to_contain_text("不足ブロック: 中部 (中部; 30,000 kW; 隣接ブロック: 全国)")
        shot("clearing-page", on=admin_page)
        admin_page.get_by_role("button", name="応札を締め切る").click()
        expect(admin_page.locator(".messagelist")).to_have_text("応札を締め切りました。")
        expect(admin_page.locator("#content-main")).to_contain_text(re.compile(
            r"2026-11-26 10:\d\d:\d\d（日本時間）に occto\.kanri \(広域 太郎\) が応札を締め切りました。"))
        admin_page.get_by_label("同順位決定シード").fill("2031-main")
        admin_page.get_by_role("button", name="約定処理を開始").click()
        message = admin_page.locator(".messagelist li")
        expect(message).to_have_text(re.compile(r"^約定処理 #\d+ が完了しました。全国の約定価格は 11,000円/kW です。$"))
        run_id = re.search(r"#(\d+)", message.inner_text()).group(1)
        run = admin_page.locator(f"tr[data-run='{run_id}']")
        expect(run.locator(".run-status")).to_have_text("成功")  # Celery is eager here; the poller covers a worker
        expect(run.locator(".run-step")).to_have_text("完了")
        expect(run).to_contain_text("2031-main")
        cells = run.locator("td.num")
        expect(cells).to_have_text(["6", "11,000", "450,000", "5,050,000,000"])
        shot("clearing-succeeded", on=admin_page)
        run.get_by_role("link", name="結果を公表").click()
        expect(admin_page.locator("h1")).to_have_text(f"約定処理 #{run_id} の結果公表")
        content = admin_page.locator("#content-main")
        expect(content).to_contain_text("全国の約定価格: 11,000円/kW。")
        expect(content).to_contain_text("応札 6 件: 落札 5 件、非落札 1 件（うちDR上限による除外 0 件）。")
        expect(content).to_contain_text("落札容量の合計 450,000 kW、約定総額 5,050,000,000円。")
        expect(content.locator("table").first.locator("tbody td")).to_have_text(
            ["11,000", "11,000", "11,000", "13,000", "11,000", "11,000", "11,000", "11,000", "11,000"])
        shot("publish-confirmation", on=admin_page)
        admin_page.get_by_role("button", name="はい、この結果を公表します").click()
        expect(admin_page.locator(".messagelist")).to_have_text(f"約定処理 #{run_id} の結果を事業者に公表しました。")
        expect(admin_page.locator("#content-main")).to_contain_text(re.compile(
            rf"約定処理 #{run_id} の結果を 2026-11-26 10:\d\d（日本時間）に公表しました。このオークションはもう約定処理できません。"))
        expect(admin_page.get_by_role("button", name="約定処理を開始")).to_have_count(0)
        shot("published", on=admin_page)
        context.close()

        # 6. The operator sees its awards, the area prices and the chart, and downloads its awards. ----------------
        page.reload()
        expect(page.locator("#bid-window-state")).to_have_text("広域機関により締切済み")
        page.get_by_role("link", name="オークションに戻る").click()
        page.get_by_role("main").get_by_role("link", name="約定結果").click()
        expect(page.locator("h1")).to_have_text(f"約定結果：{AUCTION_NAME}")
        overview = page.locator("section", has=page.locator("#overview"))
        expect(overview.locator("td.num")).to_have_text(["11,000", "450,000", "5,050,000,000", "6件中 5件"])
        own = page.locator("section", has=page.locator("#own")).locator("tbody tr")
        expect(own).to_have_count(2)  # the withdrawn bid took no part
        expect(own.nth(0).locator("td")).to_have_text(
            [FIRE1, "さくら火力1号機", "東京", "安定電源", "150,000", "5,500", "落札", "150,000", "11,000",
             "1,650,000,000"])
        expect(own.nth(1).locator("td")).to_have_text(
            [FIRE3, "さくら火力3号機", "関西", "安定電源", "60,000", "9,500", "落札", "60,000", "11,000",
             "660,000,000"])
        totals = page.locator("section", has=page.locator("#own")).locator("tfoot")
        expect(totals).to_contain_text("合計（落札 2件）")
        expect(totals.locator("td.num")).to_have_text(["210,000", "2,310,000,000"])
        prices = page.locator("section", has=page.locator("#area-prices")).locator("tbody tr")
        expect(prices).to_have_count(9)
        expect(prices.filter(has_text="中部")).to_contain_text("13,000")
        expect(prices.filter(has_text="中部")).to_contain_text("不足ブロック「中部」")
        for area in ("東京", "関西", "九州", "東北"):
            expect(prices.filter(has=page.get_by_role("rowheader", name=area, exact=True))).to_contain_text("11,000")
        chart = page.get_by_role("img", name=re.compile(r"^供給曲線と需要曲線"))
        expect(chart).to_be_visible()
        expect(chart.locator("title")).to_have_text("供給曲線と需要曲線")
        expect(chart).to_contain_text("約定価格 11,000円/kW、500,000 kW")
        shot("results")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="自社の落札結果をダウンロード（CSV）").click()
        download = download_info.value
        assert download.suggested_filename == f"results_awards_{auction.code}.csv"
        text = Path(download.path()).read_bytes().decode("utf-8")
        assert text.startswith("\ufeff")
        assert list(csv.reader(io.StringIO(text[1:]))) == [
            ["系統コード", "電源等名称", "エリア", "電源等の区分", "応札容量(kW)", "応札価格(円/kW)", "結果",
             "落札容量(kW)", "約定価格(円/kW)", "金額(円・経過措置控除前)"],
            [FIRE1, "さくら火力1号機", "東京", "安定電源", "150000", "5500", "落札", "150000", "11000", "1650000000"],
            [FIRE3, "さくら火力3号機", "関西", "安定電源", "60000", "9500", "落札", "60000", "11000", "660000000"],
        ]
