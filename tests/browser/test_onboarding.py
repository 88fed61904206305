"""Issue #2, "Done means": the whole onboarding in real Chromium, in Japanese.

use application → the OCCTO reviewer approves it in the admin → the e-mailed link sets the administrator's
password → the administrator logs in and issues a user ID → that user sets a password, logs in and reads a
notice. Everything happens through the pages; only the reviewer persona, a published notice for all operators
and the terms of use (reference data a transactional test may have flushed) are created up front, and the
e-mails are read from the locmem outbox.
"""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from accounts.models import TermsVersion
from tests import factories

from .helpers import (
    change_password_if_forced,
    label,
    log_in,
    set_new_password,
    set_password_link,
    wait_for_email,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JST = ZoneInfo("Asia/Tokyo")
STEP_TIMEOUT_MS = 10_000  # a missing element fails the step in 10 s, not Playwright's default 30 s
TERMS_FILE = Path(__file__).resolve().parents[2] / "registration" / "data" / "terms-v3.2.txt"

APPLICANT_EMAIL = "moushikomi@hokuriku-sakura.example.jp"
ADMIN_LOGIN_ID = "sakura-admin"
ADMIN_PASSWORD = "Hinoki-Mizuumi-2031"
USER_LOGIN_ID = "tanaka.hanako"
USER_EMAIL = "hanako.tanaka@hokuriku-sakura.example.jp"
USER_PASSWORD = "Yamabiko-Suzuran-4417"
NOTICE_TITLE = "容量市場システム 年末年始の休業について"
NOTICE_BODY = "12月29日から1月3日までは休業いたします。お問い合わせは1月4日以降にお願いいたします。"


@pytest.fixture
def terms_in_force(db):
    """The terms of use Ver. 3.2 (loaded by a data migration, which an earlier transactional test may flush)."""
    if not TermsVersion.objects.filter(version="3.2").exists():
        TermsVersion.objects.create(version="3.2", title="容量市場システム利用規約", body=TERMS_FILE.read_text(encoding="utf-8"),
                                    effective_from=dt.datetime(2024, 4, 1, tzinfo=JST))


@pytest.fixture
def new_page(browser, browser_context_args):
    """`new_page()` opens a page in a fresh browser context (its own cookies: a logged-out person)."""
    contexts = []

    def open_page():
        context = browser.new_context(**browser_context_args)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_an_operator_is_onboarded_from_the_use_application_to_a_user_reading_a_notice(
    live_server, page, new_page, shot, terms_in_force,
):
    base = live_server.url
    page.set_default_timeout(STEP_TIMEOUT_MS)
    reviewer = factories.ReviewerFactory(login_id="shinsa.taro", full_name="審査 太郎")
    factories.NoticeFactory(title=NOTICE_TITLE, body=NOTICE_BODY)  # to all operators

    # 1. The anonymous applicant fills in the use application and accepts the terms. -----------------------
    page.goto(f"{base}/registration/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("利用申請（事業者情報の登録申込）")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    form = page.get_by_role("main")
    form.get_by_label(label("事業者コード")).fill("ｈ０４２１")  # the code the business holds; full-width is fine
    form.get_by_label(label("事業者名（法人名）")).fill("株式会社北陸さくら電力")
    form.get_by_label(label("事業者名（フリガナ）")).fill("カブシキガイシャホクリクサクラデンリョク")
    form.get_by_label(label("本店所在地")).fill("石川県金沢市広坂1丁目1番1号")
    form.get_by_label(label("代表者")).fill("代表取締役 桜井 一郎")
    form.get_by_label(label("発電事業者")).check()
    form.get_by_label(label("小売電気事業者")).check()
    form.get_by_label(label("電気供給事業者である")).check()
    form.get_by_label(label("国内法人である")).check()
    form.get_by_label(label("担当者名")).fill("北野 真理")
    form.get_by_label(label("担当者メールアドレス")).fill("kitano@hokuriku-sakura.example.jp")
    form.get_by_label(label("担当者電話番号")).fill("076-220-1234")
    form.get_by_label(label("金融機関名")).fill("北陸みらい銀行")
    form.get_by_label(label("支店名")).fill("金沢中央支店")
    form.get_by_label(label("預金種別")).select_option(label="普通")
    form.get_by_label(label("口座番号")).fill("1234567")
    form.get_by_label(label("口座名義（カナ）")).fill("カ）ホクリクサクラデンリョク")
    form.get_by_label(label("申請者メールアドレス")).fill(APPLICANT_EMAIL)
    form.get_by_label(label("管理者氏名")).fill("桜井 一郎")
    form.get_by_label(label("管理者氏名（フリガナ）")).fill("サクライ イチロウ")
    form.get_by_label(label("希望する管理者ログインID")).fill(ADMIN_LOGIN_ID)
    terms_box = form.get_by_role("region", name=re.compile("容量市場システム利用規約"))
    expect(terms_box).to_contain_text("容量市場システム")
    terms_box.evaluate("box => box.scrollTo(0, box.scrollHeight)")
    form.get_by_label(label("上記の利用規約を読み、同意します。")).check()
    shot("use-application-filled")
    form.get_by_role("button", name="申請する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("お申込みありがとうございます。申請を受け付けました")
    expect(page.get_by_role("main")).to_contain_text(re.compile(r"申請番号は OA-\d{6} です。"))
    number = page.get_by_role("main").locator("strong").inner_text()
    assert re.fullmatch(r"OA-\d{6}", number)
    shot("use-application-received")

    # 2. The OCCTO reviewer approves it in the admin. ------------------------------------------------------------
    reviewer_page = new_page()
    log_in(reviewer_page, base_url=base, login_id=reviewer.login_id, password=factories.PASSWORD)
    reviewer_page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="広域機関管理画面").click()
    expect(reviewer_page.locator("#site-name")).to_contain_text("容量市場システム — 広域機関 管理画面")
    reviewer_page.get_by_role("link", name="事業者情報申請", exact=True).first.click()
    queue_row = reviewer_page.locator("#result_list tbody tr", has_text=number)
    expect(queue_row).to_contain_text("申請中")
    expect(queue_row).to_contain_text("株式会社北陸さくら電力")
    shot("review-queue", on=reviewer_page)
    queue_row.get_by_role("link", name=number).click()

    expect(reviewer_page.locator("h1")).to_have_text(f"{number} の審査")
    applied = reviewer_page.locator("section[aria-labelledby=review-detail]")
    expect(applied).to_contain_text("カブシキガイシャホクリクサクラデンリョク")
    expect(applied).to_contain_text("発電事業者, 小売電気事業者")
    expect(applied).to_contain_text(ADMIN_LOGIN_ID)
    reviewer_page.get_by_label(label("承認する")).check()
    shot("review-decision", on=reviewer_page)
    reviewer_page.get_by_role("button", name="判定を登録").click()
    expect(reviewer_page.locator(".messagelist")).to_contain_text(f"{number} は「承認」になりました。")
    # The queue holds no other application: the reviewer is back at the (empty) queue, told so.
    expect(reviewer_page.locator(".messagelist")).to_contain_text("このキューに審査待ちの申請は他にありません。")
    shot("review-approved", on=reviewer_page)

    # 3. The e-mailed link sets the administrator's password; the administrator logs in. -------------------------
    wait_for_email(to=APPLICANT_EMAIL, containing=ADMIN_LOGIN_ID)
    page.goto(set_password_link(to=APPLICANT_EMAIL, base_url=base))
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワードの設定")
    expect(page.get_by_role("main")).to_contain_text(f"ログインID：{ADMIN_LOGIN_ID}")
    set_new_password(page, ADMIN_PASSWORD)
    shot("admin-sets-password")
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page.locator(".messages")).to_contain_text("パスワードを設定しました。")

    log_in(page, base_url=base, login_id=ADMIN_LOGIN_ID, password=ADMIN_PASSWORD)
    change_password_if_forced(page, current=ADMIN_PASSWORD, new=ADMIN_PASSWORD + "-2")
    expect(page.locator(".user-label")).to_have_text(f"桜井 一郎 ({ADMIN_LOGIN_ID})")
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")
    shot("admin-home")

    # 4. The administrator issues a user ID to a natural person. --------------------------------------------------
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ユーザ管理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ユーザ管理")
    expect(page.locator("table tbody")).to_contain_text(ADMIN_LOGIN_ID)
    page.get_by_role("link", name="ユーザIDの発行").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ユーザIDの発行")
    issue = page.get_by_role("main")
    issue.get_by_label(label("ログインID")).fill(USER_LOGIN_ID)
    issue.get_by_label(label("氏名")).fill("田中 花子")
    issue.get_by_label(label("氏名（カナ）")).fill("タナカ ハナコ")
    issue.get_by_label(label("メールアドレス")).fill(USER_EMAIL)
    shot("issue-user-id")
    issue.get_by_role("button", name="ユーザIDを発行する").click()
    expect(page.locator(".messages")).to_contain_text(
        f"ユーザID {USER_LOGIN_ID} を発行しました。パスワード設定用のリンクを {USER_EMAIL} にメールで送信しました。"
    )
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ユーザ管理").click()
    user_row = page.locator("table tbody tr", has_text=USER_LOGIN_ID)
    expect(user_row).to_contain_text("田中 花子")
    expect(user_row).to_contain_text("タナカ ハナコ")
    expect(user_row).to_contain_text(USER_EMAIL)
    shot("user-list")

    # 5. The new user, in a fresh (logged-out) browser, sets a password, logs in and reads the notice. ------------
    user_page = new_page()
    user_page.goto(set_password_link(to=USER_EMAIL, base_url=base))
    expect(user_page.get_by_role("heading", level=1)).to_have_text("パスワードの設定")
    expect(user_page.get_by_role("main")).to_contain_text(f"ログインID：{USER_LOGIN_ID}")
    set_new_password(user_page, USER_PASSWORD)
    user_page.get_by_role("button", name="パスワードを設定する").click()
    expect(user_page.locator(".messages")).to_contain_text("パスワードを設定しました。")

    log_in(user_page, base_url=base, login_id=USER_LOGIN_ID, password=USER_PASSWORD)
    change_password_if_forced(user_page, current=USER_PASSWORD, new=USER_PASSWORD + "-2")
    expect(user_page.get_by_role("main")).to_contain_text("未読のお知らせが1件あります。")
    user_page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="お知らせ").click()
    expect(user_page.get_by_role("heading", level=1)).to_have_text("お知らせ")
    notice_row = user_page.locator("table.notice-table tbody tr", has_text=NOTICE_TITLE)
    expect(notice_row).to_have_class(re.compile(r"\bunread\b"))
    expect(notice_row.locator(".badge-unread")).to_have_text("未読")
    shot("notices-unread", on=user_page)

    notice_row.get_by_role("link", name=NOTICE_TITLE).click()
    expect(user_page.get_by_role("heading", level=1)).to_have_text(NOTICE_TITLE)
    expect(user_page.locator(".notice-body")).to_contain_text(NOTICE_BODY)
    shot("notice-detail", on=user_page)

    user_page.get_by_role("link", name="お知らせ一覧へ戻る").click()
    notice_row = user_page.locator("table.notice-table tbody tr", has_text=NOTICE_TITLE)
    expect(notice_row.locator("td").first).to_have_text("既読")
    expect(notice_row).not_to_have_class(re.compile(r"\bunread\b"))
    shot("notices-read", on=user_page)


def test_outside_the_service_window_an_operator_page_shows_the_closed_page_in_japanese(
    live_server, page, shot, time_machine, user_a,
):
    time_machine.move_to(dt.datetime(2026, 11, 28, 10, 0, tzinfo=JST), tick=True)  # Saturday
    base = live_server.url
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(f"{base}/accounts/login/")  # the log-in page stays reachable outside the window
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    page.get_by_label(label("ログインID")).fill(user_a.login_id)
    page.get_by_label(label("パスワード")).fill(factories.PASSWORD)
    page.get_by_role("main").get_by_role("button", name="ログイン").click()
    expect(page.locator(".user-label")).to_contain_text(user_a.login_id)  # logged in, landed on the closed page
    expect(page.get_by_role("heading", level=1)).to_have_text("利用時間外です")

    response = page.goto(f"{base}/notices/")
    assert response is not None and response.status == 503
    assert response.headers.get("retry-after", "").isdigit()
    expect(page.get_by_role("heading", level=1)).to_have_text("利用時間外です")
    window = page.locator("dl.service-window")
    expect(window).to_contain_text("9:00～18:00（日本時間、18:00 ちょうどは利用時間外）")
    expect(window).to_contain_text("2026-11-28 (土): 休業日")
    expect(page.locator(".next-opening")).to_have_text("2026-11-30 (月) 09:00 JST")
    shot("closed-page")
