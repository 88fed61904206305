"""Issue #9, friction item 1, in real Chromium and in Japanese: an operator user whose operator has an open change
application opens the change page. Instead of a form that could not be sent, the page shows the open application,
its state and the way forward; once OCCTO returns it (差戻し) the page says it waits for the applicant. The user
withdraws it from there, comes back to the change page and sees the editable form."""

import re

import pytest
from playwright.sync_api import expect

from registration import services
from registration.models import OperatorApplication
from tests import factories

from .helpers import label, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP_TIMEOUT_MS = 15_000


def test_an_open_change_application_is_shown_with_the_way_forward_and_withdrawn_to_reach_the_form(
    live_server, page, shot,
):
    page.set_default_timeout(STEP_TIMEOUT_MS)
    base = live_server.url
    operator = factories.OperatorFactory(name="さくら電力株式会社")
    user = factories.OperatorUserFactory(operator=operator, login_id="sakura.user")
    reviewer = factories.ReviewerFactory(login_id="shinsa.taro")
    application = services.submit_change_application(
        operator=operator, actor=user, values={**operator.info_values(), "contact_phone": "06-9999-0000"})

    # 1. An application is open: the change page shows it and its state, not the form. ------------------------------
    log_in(page, base_url=base, login_id=user.login_id, password=factories.PASSWORD)
    page.goto(f"{base}/registration/operator/change/")
    panel = page.locator(f'[data-open-application="{application.number}"]')
    expect(panel.get_by_role("heading", level=2)).to_have_text(f"申請 {application.number} は未決定です")
    expect(panel).to_contain_text("申請中")
    expect(panel).to_contain_text("判定を待つ")
    expect(panel.get_by_role("link", name=re.compile("取り?下げ"))).to_be_visible()
    expect(page.get_by_label(label("担当者電話番号"))).to_have_count(0)
    shot("open-application-submitted")

    # 2. OCCTO returns it: the page says it waits for the applicant, with the comment and the correction. -----------
    services.send_back_operator_application(application=application, actor=reviewer,
                                            comment="電話番号の市外局番をご確認ください。",
                                            expected_version=application.version)
    page.reload()
    expect(panel.get_by_role("heading", level=2)).to_have_text(
        f"申請 {application.number} は修正のため差し戻されました")
    expect(panel).to_contain_text("差戻し")
    expect(panel).to_contain_text("あなたの対応を待っています")
    expect(panel).to_contain_text("電話番号の市外局番をご確認ください。")
    expect(panel.get_by_role("link", name="修正して再申請")).to_be_visible()
    shot("open-application-returned")

    # 3. The user withdraws it from the panel, confirms, and is back on the change page, now with the form. ---------
    panel.get_by_role("link", name=re.compile("取り?下げ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(application.number)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/registration/operator/change/")
    expect(page.locator(".messages")).to_contain_text(application.number)
    expect(page.locator("[data-open-application]")).to_have_count(0)
    expect(page.get_by_label(label("担当者電話番号"))).to_have_value(operator.contact_phone)
    expect(page.get_by_text(f"事業者コード: {operator.code}")).to_be_visible()
    shot("change-form-after-withdrawal")
    assert OperatorApplication.objects.get(pk=application.pk).status == "withdrawn"
