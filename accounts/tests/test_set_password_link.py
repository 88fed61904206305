"""The e-mailed one-time set-password link (issue and reissue): valid once, for 24 hours, not forgeable."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")

NEW = "Hinoki-Kawa-4821"


@pytest.fixture
def issued(admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.issue_user_id(actor=admin_a, operator=admin_a.operator, login_id="sato-01",
                                  full_name="佐藤 一郎", full_name_kana="サトウ イチロウ", email="sato@example.jp")


def link_in_mail() -> str:
    return re.search(r"https?://\S+/accounts/password/set/\S+/", mail.outbox[-1].body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def open_and_post(client, url, password=NEW):
    response = client.get(path_of(url))
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


def test_issuing_a_user_id_emails_a_link_that_sets_the_password(client, issued, log_in):
    assert mail.outbox[-1].to == ["sato@example.jp"]
    assert "sato-01" in mail.outbox[-1].body
    assert "24" in mail.outbox[-1].body
    response = open_and_post(client, link_in_mail())
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    issued.refresh_from_db()
    assert issued.check_password(NEW)
    assert not issued.must_change_password
    assert log_in("sato-01", NEW).status_code == 302


def test_the_link_works_once(client, issued):
    url = link_in_mail()
    open_and_post(client, url)
    client.logout()
    response = client.get(path_of(url), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    issued.refresh_from_db()
    assert issued.check_password(NEW)


def test_the_link_expires_after_24_hours(client, issued, time_machine):
    url = link_in_mail()
    time_machine.move_to(dt.datetime(2026, 11, 26, 10, 1, tzinfo=JST))  # 24 h 1 min later
    response = client.get(path_of(url), follow=True)
    assert response.context["validlink"] is False
    issued.refresh_from_db()
    assert not issued.has_usable_password()


def test_the_link_still_works_just_before_24_hours(client, issued, time_machine):
    url = link_in_mail()
    time_machine.move_to(dt.datetime(2026, 11, 26, 9, 58, tzinfo=JST))  # 23 h 58 min later
    response = open_and_post(client, url)
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.check_password(NEW)


@pytest.mark.parametrize("mangle", [
    lambda uid, token: (uid, token[:-1] + ("a" if token[-1] != "a" else "b")),
    lambda uid, token: (uid, "zzzz-" + token.split("-")[1]),
    lambda uid, token: (uid, "no-dash-here-at-all"),
    lambda uid, token: ("bm90LWEtbnVtYmVy", token),  # base64 of "not-a-number"
    lambda uid, token: ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", token),  # base64 of a huge number
    lambda uid, token: ("!!!", token),
])
def test_a_tampered_link_shows_a_friendly_page(client, issued, mangle):
    uid, token = link_in_mail().rstrip("/").split("/")[-2:]
    uid, token = mangle(uid, token)
    response = client.get(f"/accounts/password/set/{uid}/{token}/", follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    issued.refresh_from_db()
    assert not issued.has_usable_password()


def test_another_users_token_does_not_work(client, issued, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        other = services.issue_user_id(actor=admin_a, operator=admin_a.operator, login_id="kato-02",
                                       full_name="加藤 二郎", full_name_kana="カトウ ジロウ",
                                       email="kato@example.jp")
    token = link_in_mail().rstrip("/").split("/")[-1]
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(issued.pk))
    assert other.pk != issued.pk
    response = client.get(f"/accounts/password/set/{uid}/{token}/", follow=True)
    assert response.context["validlink"] is False


def test_a_reissue_voids_the_earlier_link(client, issued, admin_a, django_capture_on_commit_callbacks):
    first = link_in_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.reissue_password(actor=admin_a, user=issued)
    second = link_in_mail()
    assert first != second
    assert client.get(path_of(first), follow=True).context["validlink"] is False
    assert open_and_post(client, second).status_code == 302


def test_deleting_the_id_voids_the_link(client, issued, admin_a):
    url = link_in_mail()
    services.deactivate_user(actor=admin_a, user=issued)
    assert client.get(path_of(url), follow=True).context["validlink"] is False


def test_a_weak_password_on_the_link_page_is_refused_with_field_errors(client, issued):
    response = open_and_post(client, link_in_mail(), password="sato-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_new_password2_error"' in html
    assert 'aria-describedby="id_new_password2_error"' in html or "id_new_password2_helptext id_new_password2_error" in html
    issued.refresh_from_db()
    assert not issued.has_usable_password()


def test_the_link_page_is_open_outside_service_hours(client, issued, time_machine):
    url = link_in_mail()
    time_machine.move_to(dt.datetime(2026, 11, 26, 6, 0, tzinfo=JST))
    assert client.get(reverse("accounts:user_list")).status_code == 503  # the window is closed
    assert open_and_post(client, url).status_code == 302


def test_the_admin_id_link_of_a_new_operator_works(client, log_in, django_capture_on_commit_callbacks):
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        admin = services.issue_admin_id(operator=operator, login_id="new-admin", full_name="新 管理者",
                                        email="new-admin@example.jp")
    assert admin.must_change_password
    open_and_post(client, link_in_mail())
    admin = User.objects.get(pk=admin.pk)
    assert not admin.must_change_password
    assert log_in("new-admin", NEW).status_code == 302
