"""Control characters in a request (issue #10, finding 7): one middleware answers 400 — the project's "bad request,
nothing was changed" page — for a NUL or another C0/C1 control character in the path, the query string or a form
value, on every URL, before any view runs. Tab, line feed and carriage return stay allowed in form values."""

import pytest
from django.urls import reverse

from capacity_market.middleware import CONTROL_CHARACTERS
from registration.models import ResourceApplication

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/admin/registration/resourceapplication/?status__exact=%00",
    "/admin/capacity_market/auditentry/?q=%00",
    "/admin/accounts/user/?operator__id__exact=1%1B",
    "/registration/resources/?q=%00",
    "/auctions/?x%00=1",
])
def test_a_control_character_in_a_query_string_answers_400_not_500(client_for, occto_admin, user_a, url):
    client = client_for(occto_admin if url.startswith("/admin/") else user_a)
    response = client.get(url)
    assert response.status_code == 400
    assert "変更は行われていません" in response.content.decode()


def test_the_same_admin_list_without_the_character_answers_200(client_for, occto_admin):
    assert client_for(occto_admin).get(
        "/admin/registration/resourceapplication/?status__exact=submitted").status_code == 200


def test_a_control_character_in_a_form_value_is_refused_and_changes_nothing(client_for, user_a):
    response = client_for(user_a).post(reverse("registration:resource_new"), {"name": "発電所\x00", "grid_code": "1"})
    assert response.status_code == 400
    assert not ResourceApplication.objects.exists()


def test_anonymous_requests_are_refused_too(client):
    assert client.get("/accounts/login/?next=%00").status_code == 400
    assert client.post(reverse("account_login"), {"login": "a\x07b", "password": "x"}).status_code == 400


@pytest.mark.parametrize("text", ["行1\n行2", "列\t列", "改行\r\n"])
def test_tab_and_line_breaks_are_not_control_characters_here(text):
    assert CONTROL_CHARACTERS.search(text) is None


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"])
def test_c0_c1_and_del_are(char):
    assert CONTROL_CHARACTERS.search(f"a{char}b")
