"""Issue #3, "Done means", in real Chromium and in Japanese: an operator user registers one resource through the
form and 200 by uploading a Shift_JIS (CP932) CSV in the template's format; the OCCTO reviewer approves all 201
applications in the admin queue ("approve selected"); the operator registers the expected capacity of the
form-registered resource for an auction in its registration window; the reviewer approves it; the operator sees
the resource in the qualified list and opens the printable qualification notice.

Only the personas and the auction are made up front; everything else happens through the pages.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from registration.models import Resource, ResourceApplication
from registration.resource_import import HEADERS
from tests import factories

from .helpers import label, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 15_000
CSV_ROWS = 200
FORM_GRID_CODE = "0300000000000000009999"
FORM_NAME = "さくら火力1号機"


def shift_jis_csv(rows: int) -> bytes:
    """`rows` valid stable LNG resources in the template's format, encoded as Excel saves "CSV" (CP932)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for n in range(1, rows + 1):
        writer.writerow([
            f"04{n:020d}", "", f"さくら一括火力{n}号機", "東京", "安定電源", "LNG", f"{1_000 + n:,}",
            "2010/04/01", "可", "なし", "", "", "",
        ])
    return out.getvalue().encode("cp932")


def test_an_operator_registers_resources_by_form_and_shift_jis_csv_and_gets_the_qualification(
    live_server, page, browser, browser_context_args, shot,
):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    user = factories.OperatorUserFactory(operator=operator, login_id="sakura.user")
    reviewer = factories.ReviewerFactory(login_id="shinsa.taro", full_name="審査 太郎")
    auction = factories.AuctionFactory(delivery_fiscal_year=2030)

    # 1. The operator user registers one resource through the form. ------------------------------------------------
    log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
    page.goto(f"{base}/registration/resources/new/")
    form = page.locator("main form")
    form.locator("[name=grid_code]").fill(FORM_GRID_CODE)
    form.locator("[name=name]").fill(FORM_NAME)
    form.locator("[name=area]").select_option("tokyo")
    form.locator("[name=category]").select_option("stable")
    form.locator("[name=generation_type]").select_option("lng")
    form.locator("[name=installed_kw]").fill("150000")
    form.locator("[name=commissioning_date]").fill("2005-04-01")
    adjust = form.locator("[name=can_adjust_output]")
    if adjust.get_attribute("type") == "checkbox":
        adjust.check()
    else:
        adjust.select_option("true")
    page.get_by_role("button", name="申請する", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("電源等の申請")
    expect(page.locator(".messages")).to_contain_text("を提出しました。")
    form_number = re.search(r"[A-Z]+-\d+", page.locator(".messages").inner_text()).group(0)
    shot("form-submitted")

    # 2. It uploads 200 resources as a Shift_JIS CSV, sees a clean preview and confirms the import. ------------------
    page.goto(f"{base}/registration/resources/import/")
    expect(page.locator("h1")).to_have_text("CSV一括登録")
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "電源等一括登録.csv", "mimeType": "text/csv", "buffer": shift_jis_csv(CSV_ROWS)}])
    page.get_by_role("button", name="アップロードして確認").click()
    expect(page.locator("main")).to_contain_text(f"{CSV_ROWS}")
    expect(page.locator("main")).to_contain_text("cp932")
    confirm = page.get_by_role("button", name="登録を確定して申請する")
    expect(confirm).to_be_visible()  # the file was checked and has no errors (background files poll until then)
    expect(page.locator(".import-error")).to_have_count(0)
    shot("csv-preview")
    confirm.click()
    expect(page.locator(".messages")).to_contain_text(f"ファイルから{CSV_ROWS}件の申請を提出しました。")
    expect(page.locator("#import-status")).to_have_text("登録済み")
    shot("csv-imported")
    assert ResourceApplication.objects.filter(operator=operator).count() == CSV_ROWS + 1

    # 3. The OCCTO reviewer selects all 201 applications in the admin queue and approves them. --------------------
    context = browser.new_context(**browser_context_args)
    reviewer_page = context.new_page()
    reviewer_page.set_default_timeout(STEP_TIMEOUT_MS)
    log_in(reviewer_page, base_url=base, login_id=reviewer.login_id, password=factories.PASSWORD)
    reviewer_page.goto(f"{base}/admin/registration/resourceapplication/")
    expect(reviewer_page.locator("#result_list")).to_contain_text("さくら一括火力")
    reviewer_page.locator("#action-toggle").check()
    select_all = reviewer_page.locator(".actions .question a")
    expect(select_all).to_contain_text(f"{CSV_ROWS + 1}")
    select_all.click()  # all 201, not just this page's 50
    reviewer_page.locator("select[name=action]").select_option("approve_selected")
    reviewer_page.locator(".actions button[name=index]").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text(f"{CSV_ROWS + 1}件の申請を承認しました。")
    shot("resources-approved", on=reviewer_page)
    reviewer_page.goto(f"{base}/admin/registration/resourceapplication/?q={FORM_GRID_CODE}")
    expect(reviewer_page.locator("#result_list tbody tr", has_text=form_number)).to_contain_text("承認")
    assert Resource.objects.filter(operator=operator, is_active=True).count() == CSV_ROWS + 1

    # 4. The operator registers the expected capacity of the form-registered resource. ------------------------------
    page.goto(f"{base}/auctions/")
    page.get_by_role("link", name=auction.name).click()
    expect(page.locator("h1")).to_have_text(auction.name)
    page.get_by_role("link", name="期待容量", exact=True).click()
    page.locator("tr", has_text=FORM_NAME).get_by_role("link", name="登録").click()
    page.get_by_label(label("期待容量(kW)")).fill("140000")
    page.get_by_role("button", name="審査を申請する").click()
    expect(page.locator(".messages")).to_contain_text("を提出しました。")
    ec_number = re.search(r"EC-\d+", page.locator("h1").inner_text()).group(0)
    shot("expected-capacity-submitted")

    # 5. The reviewer approves it in the admin. ---------------------------------------------------------------------
    reviewer_page.goto(f"{base}/admin/auctions/expectedcapacityapplication/")
    reviewer_page.locator("#result_list tbody tr", has_text=ec_number).get_by_role("link").first.click()
    reviewer_page.get_by_label(label("承認する")).check()
    reviewer_page.get_by_role("button", name="判定を登録").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text(f"{ec_number} は「承認」になりました。")
    context.close()

    # 6. The operator sees the qualified resource and opens the printable notice. -----------------------------------
    page.goto(f"{base}/auctions/{auction.pk}/qualified/")
    expect(page.locator("tr", has_text=FORM_GRID_CODE)).to_contain_text("140,000")
    page.get_by_role("link", name="参加資格通知（印刷用）").click()
    expect(page.locator("h1")).to_have_text("参加資格通知")
    expect(page.get_by_role("table")).to_contain_text(FORM_NAME)
    expect(page.get_by_role("table")).to_contain_text("140,000")
    expect(page.locator("body")).to_contain_text("さくら電力株式会社")
    shot("qualification-notice")
