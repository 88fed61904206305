"""The project's error pages answer in the user's language with the right status, and never leak details."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from capacity_market import views

pytestmark = pytest.mark.django_db


def test_an_unknown_page_answers_404_in_japanese_by_default(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "ページが見つかりません" in page
    assert '<html lang="ja">' in page


def test_an_unknown_page_answers_404_in_english_on_request(client):
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "status", "japanese"),
    [(views.bad_request, 400, "不正なリクエスト"), (views.permission_denied, 403, "権限がありません"),
     (views.page_not_found, 404, "ページが見つかりません")],
)
def test_each_error_handler_renders_its_page(handler, status, japanese):
    request = RequestFactory().get("/x")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("ja"):
        response = handler(request, Exception("internal detail"))
    assert response.status_code == status
    text = response.content.decode()
    assert japanese in text
    assert "internal detail" not in text


def test_the_server_error_page_is_bilingual_and_needs_no_context():
    response = views.server_error(RequestFactory().get("/x"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "システムエラー" in text and "System error" in text


def test_the_demo_banner_shows_when_the_window_is_not_enforced(client, settings):
    settings.SERVICE_WINDOW_ENFORCED = False
    page = client.get("/service-hours/").content.decode()
    assert "利用時間外制御なし（デモ）" in page
    page = client.get("/service-hours/", headers={"accept-language": "en"}).content.decode()
    assert "Service hours not enforced — demo" in page


def test_no_demo_banner_when_the_window_is_enforced(client):
    assert "利用時間外制御なし" not in client.get("/service-hours/").content.decode()


def test_the_navigation_is_japanese_by_default_and_english_on_request(client):
    page = client.get("/service-hours/").content.decode()
    for label in ("容量市場システム", "ログイン", "利用申請", "利用時間", "言語", "変更"):
        assert label in page
    page = client.get("/service-hours/", headers={"accept-language": "en"}).content.decode()
    for label in ("Capacity Market System", "Log in", "Apply for use", "Service hours", "Language", "Change"):
        assert label in page


def test_the_navigation_of_a_logged_in_operator_admin_is_japanese(client_for, admin_a):
    page = client_for(admin_a).get("/service-hours/").content.decode()
    for label in ("ホーム", "お知らせ", "事業者情報", "ユーザ管理", "ログアウト"):
        assert label in page
