"""The allauth pages we keep (in our layout, Japanese first) and the ones we close (404)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED = [
    "/accounts/signup/", "/accounts/password/reset/", "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-set-password/", "/accounts/password/reset/key/done/",
    "/accounts/password/set/", "/accounts/email/", "/accounts/confirm-email/", "/accounts/confirm-email/abc/",
    "/accounts/reauthenticate/", "/accounts/login/code/confirm/",
]


@pytest.mark.parametrize("url", CLOSED)
def test_pages_we_do_not_offer_answer_404_for_everyone(client, client_for, user_a, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "a@example.jp", "username": "x", "password1": "x" * 20}).status_code == 404
    assert client_for(user_a).get(url).status_code == 404


def test_the_login_page_is_japanese_first_without_sign_up_or_reset_links(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "ログインID" in html and "パスワード" in html
    assert '<label for="id_login">' in html and '<label for="id_password">' in html
    assert "signup" not in html and "password/reset" not in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_the_login_page_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en">' in html
    assert "Login ID" in html


def test_login_errors_are_announced(client, user_a):
    response = client.post(reverse("account_login"), {"login": "user-a", "password": "wrong-password-1"})
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "ログインIDまたはパスワードが正しくありません" in html


def test_an_empty_login_form_shows_field_errors(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_login_error"' in html and 'aria-describedby="id_login_error"' in html


def test_the_logout_page_confirms_then_logs_out(client, user_a):
    client.post(reverse("account_login"), {"login": "user-a", "password": PASSWORD})
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert "ログアウト" in response.content.decode()
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_allauths_inactive_page_is_not_offered_because_the_backend_refuses_deleted_ids_itself(client):
    assert client.get("/accounts/inactive/").status_code == 404


def test_allauths_change_password_name_is_our_page(client_for, user_a):
    assert reverse("account_change_password") == reverse("accounts:password_change")
    response = client_for(user_a).get(reverse("account_change_password"))
    assert response.status_code == 200
    assert "現在のパスワード" in response.content.decode()


def test_the_management_pages_render_in_japanese_and_english(client_for, admin_a, user_a):
    client = client_for(admin_a)
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert "ユーザ管理" in html
    html = client.get(reverse("accounts:user_issue")).content.decode()
    assert "ユーザIDの発行" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("accounts:user_detail", args=[user_a.pk])).content.decode()
    assert "Reissue the password" in html
