"""The service-window middleware: operator-facing URLs answer 503 outside the window; exempt ones stay reachable."""

import datetime as dt

import pytest
from django.test import Client

from capacity_market.middleware import is_exempt
from capacity_market.models import ServiceCalendarException
from capacity_market.service_window import JST
from registration.models import OperatorApplication

pytestmark = pytest.mark.django_db

WEDNESDAY_EVENING = dt.datetime(2026, 11, 25, 18, 0, tzinfo=JST)  # next opening: Thursday 9:00, 15 h later
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 18, 0, tzinfo=JST)  # next opening: Monday 9:00
OPERATOR_FACING = ["/", "/notices/", "/registration/apply/", "/registration/operator/", "/accounts/users/",
                   "/no-such-page/"]


@pytest.fixture
def closed(time_machine):
    time_machine.move_to(WEDNESDAY_EVENING, tick=False)


@pytest.mark.parametrize("path", OPERATOR_FACING)
def test_operator_facing_urls_answer_503_outside_the_window(closed, client, path):
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == str(15 * 3600)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", OPERATOR_FACING)
def test_logged_in_operator_users_are_held_out_too(closed, client_for, user_a, path):
    assert client_for(user_a).get(path).status_code == 503


def test_the_closed_page_shows_the_hours_and_the_next_opening_in_japanese_by_default(closed, client):
    page = client.get("/").content.decode()
    assert '<html lang="ja">' in page
    assert "利用時間外" in page
    assert "9:00" in page and "18:00" in page
    assert "2026-11-26" in page and "09:00" in page
    assert 'datetime="2026-11-26T09:00:00+09:00"' in page


def test_the_closed_page_is_in_english_when_the_browser_asks_for_it(closed, client):
    page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in page
    assert "Outside service hours" in page
    assert "Next opening" in page
    assert "利用時間外" not in page


def test_the_closed_page_is_in_english_when_the_language_cookie_says_so(closed, client):
    client.cookies["django_language"] = "en"
    page = client.get("/notices/").content.decode()
    assert "Outside service hours" in page


def test_retry_after_counts_the_seconds_until_the_next_opening_over_a_weekend(client, time_machine):
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str((2 * 24 + 15) * 3600)


def test_retry_after_over_the_year_end(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 29, 18, 0, tzinfo=JST), tick=False)
    response = client.get("/")
    assert response["Retry-After"] == str(int((dt.datetime(2027, 1, 4, 9, 0, tzinfo=JST)
                                                - dt.datetime(2026, 12, 29, 18, 0, tzinfo=JST)).total_seconds()))


@pytest.mark.parametrize(
    ("instant", "status_is_503"),
    [
        (dt.datetime(2026, 11, 25, 8, 59, 59, tzinfo=JST), True),
        (dt.datetime(2026, 11, 25, 9, 0, 0, tzinfo=JST), False),
        (dt.datetime(2026, 11, 25, 17, 59, 59, tzinfo=JST), False),
        (dt.datetime(2026, 11, 25, 18, 0, 0, tzinfo=JST), True),
        (dt.datetime(2026, 11, 3, 10, 0, tzinfo=JST), False),   # Tuesday 文化の日
        (dt.datetime(2026, 9, 22, 10, 0, tzinfo=JST), False),   # Tuesday 国民の休日
        (dt.datetime(2025, 12, 30, 10, 0, tzinfo=JST), False),  # year-end Tuesday
        (dt.datetime(2026, 1, 12, 10, 0, tzinfo=JST), True),    # Monday 成人の日
        (dt.datetime(2026, 12, 30, 10, 0, tzinfo=JST), True),   # year-end Wednesday
    ],
)
def test_the_middleware_follows_the_window_at_its_boundaries(client, time_machine, instant, status_is_503):
    time_machine.move_to(instant, tick=False)
    assert (client.get("/notices/").status_code == 503) is status_is_503


@pytest.mark.urls("capacity_market.tests.urls_window")
def test_a_post_outside_the_window_changes_nothing(closed, client):
    response = client.post("/test-window/write/", {"reason": "should not be written"})
    assert response.status_code == 503
    assert not ServiceCalendarException.objects.exists()


@pytest.mark.urls("capacity_market.tests.urls_window")
def test_the_same_post_inside_the_window_does_write(client, time_machine):
    # The counterpart of the test above: it proves the view writes when the window lets it through.
    time_machine.move_to(dt.datetime(2026, 11, 25, 17, 59, 59, tzinfo=JST), tick=False)
    response = client.post("/test-window/write/", {"reason": "written"})
    assert response.status_code == 200
    assert ServiceCalendarException.objects.get().reason == "written"


def test_a_use_application_posted_outside_the_window_is_not_created(closed, client):
    response = client.post("/registration/apply/", {"name": "夜間電力株式会社", "applicant_email": "a@example.jp"})
    assert response.status_code == 503
    assert not OperatorApplication.objects.exists()


def test_an_extra_closure_closes_the_operator_pages_during_the_day(client):
    ServiceCalendarException.objects.create(date=dt.date(2026, 11, 25), kind="closed", reason="システム保守")
    response = client.get("/notices/")
    assert response.status_code == 503
    assert "システム保守" in response.content.decode()


def test_an_extra_opening_opens_the_operator_pages_on_a_holiday(client, time_machine, user_a, client_for):
    ServiceCalendarException.objects.create(date=dt.date(2026, 11, 23), kind="open", reason="臨時開局")
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, 0, tzinfo=JST), tick=False)
    assert client_for(user_a).get("/notices/").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/login/", "/accounts/login/", "/healthz", "/service-hours/", "/static/css/site.css",
     "/accounts/password/set/MQ/abc-def/", "/i18n/setlang/", "/accounts/logout/"],
)
def test_exempt_paths_are_not_held_by_the_window(closed, client, path):
    assert is_exempt(path)
    assert client.get(path).status_code != 503


def test_staff_screens_work_outside_the_window(closed, client_for, reviewer):
    assert client_for(reviewer).get("/admin/").status_code == 200


def test_new_staff_can_set_their_first_password_outside_the_window_and_then_reach_the_admin(closed, client_for,
                                                                                            reviewer):
    reviewer.must_change_password = True
    reviewer.save(update_fields=["must_change_password"])
    c = client_for(reviewer)
    assert c.get("/admin/").status_code == 302  # sent to the forced change first
    page = c.get("/accounts/password/change-required/")
    assert page.status_code == 200


def test_log_in_page_works_outside_the_window(closed, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_the_health_check_and_the_hours_page_answer_outside_the_window(closed, client):
    assert client.get("/healthz").json()["status"] == "ok"
    page = client.get("/service-hours/")
    assert page.status_code == 200
    assert "2026-11-26" in page.content.decode()


def test_the_language_can_be_switched_outside_the_window(closed, client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_more_paths_can_be_exempted_by_setting(closed, client, settings):
    settings.SERVICE_WINDOW_EXTRA_EXEMPT = ["/notices/"]
    assert client.get("/notices/").status_code != 503
    assert client.get("/").status_code == 503


def test_nothing_is_held_when_enforcement_is_off(closed, client_for, user_a, settings):
    settings.SERVICE_WINDOW_ENFORCED = False
    response = client_for(user_a).get("/notices/")
    assert response.status_code == 200


def test_a_post_with_a_bad_csrf_token_outside_the_window_still_gets_the_closed_page(closed, user_a):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user_a)
    assert c.post("/registration/apply/", {"name": "x"}).status_code == 503


def test_a_real_set_password_link_opens_outside_the_window(closed, client, user_a):
    from urllib.parse import urlsplit

    from accounts.services import set_password_url

    path = urlsplit(set_password_url(user_a)).path
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert all(status != 503 for _url, status in response.redirect_chain)
