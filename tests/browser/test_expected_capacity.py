"""Issue #3 (auction part) in real Chromium, in Japanese: an operator user registers the expected capacity of a
stable resource (typed) and of a variable one (computed, shown with its working) for an auction in its
registration window; the OCCTO reviewer approves one in the admin queue; the operator sees the qualified resource
and opens the printable qualification notice. The resources and the auction are made up front."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from auctions.models import AdjustmentFactor
from tests import factories

from .helpers import label, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 10_000


def test_an_operator_registers_expected_capacity_and_gets_the_qualification(live_server, page, browser,
                                                                             browser_context_args, shot):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    user = factories.OperatorUserFactory(operator=operator, login_id="sakura.user")
    reviewer = factories.ReviewerFactory(login_id="shinsa.taro", full_name="審査 太郎")
    auction = factories.AuctionFactory(delivery_fiscal_year=2030)
    AdjustmentFactor.objects.create(auction=auction, generation_type="solar", area="tokyo", factor=Decimal("0.2345"))
    common = {"area": "tokyo", "commissioning_date": dt.date(2005, 4, 1), "operator": operator, "submitted_by": user}
    thermal = factories.ResourceFactory(grid_code="0300000000000000000001", name="さくら火力1号機", category="stable",
                                        generation_type="lng", installed_kw=150_000, can_adjust_output=True, **common)
    factories.ResourceFactory(grid_code="0300000000000000000002", name="さくら太陽光", category="variable",
                              generation_type="solar", installed_kw=4_321, can_adjust_output=False, **common)

    # 1. The operator user finds the auction and its schedule. ---------------------------------------------------------
    log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="オークション").click()
    page.get_by_role("link", name=auction.name).click()
    expect(page.locator("h1")).to_have_text(auction.name)
    expect(page.locator("tr[aria-current=step]")).to_contain_text("期待容量の登録期限")
    expect(page.locator("tr[aria-current=step]")).to_contain_text("2026-12-04 18:00 JST")
    shot("auction-detail")

    # 2. It registers the stable resource's expected capacity by typing it. -------------------------------------------
    page.get_by_role("link", name="期待容量", exact=True).click()
    page.locator("tr", has_text="さくら火力1号機").get_by_role("link", name="登録").click()
    page.get_by_label(label("期待容量(kW)")).fill("140000")
    page.get_by_role("button", name="審査を申請する").click()
    expect(page.locator(".messages")).to_contain_text("を提出しました。")
    number = re.search(r"EC-\d+", page.locator("h1").inner_text()).group(0)
    shot("stable-submitted")

    # 3. The variable resource's value is computed and shown with its working; there is nothing to type. -------------
    page.get_by_role("link", name="期待容量に戻る").click()
    page.locator("tr", has_text="さくら太陽光").get_by_role("link", name="登録").click()
    expect(page.locator(".working")).to_contain_text("4,321 kW × 0.2345 = 1,013 kW")
    expect(page.get_by_label(label("期待容量(kW)"))).to_have_count(0)
    page.get_by_role("button", name="審査を申請する").click()
    expect(page.get_by_role("main")).to_contain_text("4,321 kW × 0.2345 = 1,013 kW")
    shot("variable-submitted")

    # 4. The OCCTO reviewer approves the stable resource's application in the admin queue. -----------------------------
    context = browser.new_context(**browser_context_args)
    reviewer_page = context.new_page()
    reviewer_page.set_default_timeout(STEP_TIMEOUT_MS)
    log_in(reviewer_page, base_url=base, login_id=reviewer.login_id, password=factories.PASSWORD)
    reviewer_page.goto(f"{base}/admin/auctions/expectedcapacityapplication/")
    reviewer_page.locator("#result_list tbody tr", has_text=number).get_by_role("link").first.click()
    reviewer_page.get_by_label(label("承認する")).check()
    reviewer_page.get_by_role("button", name="判定を登録").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text(f"{number} は「承認」になりました。")
    shot("review-approved", on=reviewer_page)
    context.close()

    # 5. The operator sees the qualification and opens the printable notice. -------------------------------------------
    page.goto(f"{base}/auctions/{auction.pk}/qualified/")
    row = page.locator("tr", has_text=thermal.grid_code)
    expect(row).to_contain_text("140,000")
    expect(page.locator("tr", has_text="さくら太陽光")).to_have_count(0)
    page.get_by_role("link", name="参加資格通知（印刷用）").click()
    expect(page.locator("h1")).to_have_text("参加資格通知")
    expect(page.get_by_role("table")).to_contain_text("さくら火力1号機")
    expect(page.get_by_role("table")).to_contain_text("140,000")
    expect(page.locator("body")).to_contain_text("さくら電力株式会社")
    shot("qualification-notice")
