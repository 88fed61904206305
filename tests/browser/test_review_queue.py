"""Issue #9 §2.2 in real Chromium, in Japanese: an OCCTO reviewer logs in, sees on the home page how many
expected-capacity applications await a decision, opens that queue (auction, resource, area, category and kW on each
row, the oldest first) and decides the three applications in a row without going back to the list: approves the
first, returns the second with a reason, approves the third, and is then back at the queue, told that nothing else
waits. The applications are made up front (through the services, as an operator would file them)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from auctions.models import ExpectedCapacity, ExpectedCapacityApplication
from capacity_market.review import ReviewStatus
from tests import factories

from .helpers import label, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 10_000


def test_a_reviewer_sees_the_pending_count_and_decides_three_applications_in_a_row(live_server, page, shot):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    reviewer = factories.ReviewerFactory(login_id="shinsa.taro", full_name="審査 太郎")
    auction = factories.AuctionFactory(delivery_fiscal_year=2030)
    names = ["さくら火力1号機", "さくら火力2号機", "さくら水力"]
    applications = []
    for n, name in enumerate(names):
        resource = factories.ResourceFactory(operator=operator, name=name, area="tohoku", installed_kw=150_000)
        application = factories.ExpectedCapacityApplicationFactory(auction=auction, resource=resource,
                                                                   expected_kw=140_000 - n * 10_000)
        # Filed in this order (the suite's frozen clock gives them the same minute).
        ExpectedCapacityApplication.objects.filter(pk=application.pk).update(
            submitted_at=application.submitted_at - dt.timedelta(hours=3 - n))
        applications.append(application)
    first, second, third = (a.number for a in applications)

    # 1. The reviewer logs in and sees, on the home page, what waits in each queue. ----------------------------------
    log_in(page, base_url=base, login_id=reviewer.login_id, password=factories.PASSWORD)
    panel = page.get_by_role("region", name="審査待ちの申請")
    row = panel.locator("tr", has_text="期待容量申請")
    expect(row.locator(".review-pending-count")).to_have_text("3")
    shot("home-pending-count")
    page.get_by_role("link", name="広域機関管理画面").click()
    module = page.locator("#review-pending-module")
    expect(module.get_by_role("heading")).to_have_text("審査待ちの申請")
    expect(module.locator("tr", has_text="期待容量申請").locator(".review-pending-count")).to_have_text("3")
    shot("admin-index-pending-count")
    page.go_back()

    # 2. The count opens the queue of the applications awaiting a decision, oldest first, with what to pick by. -----
    row.get_by_role("link", name="期待容量申請：審査待ち 3 件").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(first)
    for text in ("メインオークション（実需給2030年度）", "さくら火力1号機", "東北", "安定電源", "140,000", "設備 150,000",
                 operator.code):
        expect(rows.first).to_contain_text(text)
    shot("queue-awaiting")
    rows.first.get_by_role("link", name=first).click()

    # 3. Approve the first: the page moves on to the second, saying so. ----------------------------------------------
    expect(page.locator("h1")).to_contain_text(first)
    expect(page.get_by_role("heading", name="判定", exact=True)).to_have_count(1)
    page.get_by_label(label("承認する")).check()
    page.get_by_role("button", name="判定を登録").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{first} は「承認」になりました。")
    expect(page.locator(".messagelist")).to_contain_text(f"次は {second}（審査待ちで最も古い申請、残り 2 件）です。")
    expect(page.locator("h1")).to_contain_text(second)
    shot("second-after-approval")

    # 4. Return the second with a reason: on to the third. -----------------------------------------------------------
    page.get_by_label(label("差し戻す")).check()
    page.get_by_label(label("申請者へのコメント")).fill("期待容量の算定根拠を添付してください。")
    page.get_by_role("button", name="判定を登録").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{second} は「差戻し」になりました。")
    expect(page.locator("h1")).to_contain_text(third)
    expect(page.get_by_role("navigation", name="審査キュー")).to_contain_text(
        "このキューに審査待ちの申請は他にありません。")
    shot("third-after-return")

    # 5. Approve the third: back at the queue, told that nothing else waits. -----------------------------------------
    page.get_by_label(label("承認する")).check()
    page.get_by_role("button", name="判定を登録").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{third} は「承認」になりました。")
    expect(page.locator(".messagelist")).to_contain_text("このキューに審査待ちの申請は他にありません。")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    shot("queue-cleared")

    statuses = dict(ExpectedCapacityApplication.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in applications] == [ReviewStatus.APPROVED, ReviewStatus.RETURNED,
                                                      ReviewStatus.APPROVED]
    assert sorted(ExpectedCapacity.objects.values_list("expected_kw", flat=True)) == [120_000, 140_000]

    # 6. The home page's count is down to none. ---------------------------------------------------------------------
    page.goto(f"{base}/")
    expect(page.get_by_role("region", name="審査待ちの申請").locator("tr", has_text="期待容量申請")
           .locator(".review-pending-count")).to_have_text("0")
