import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_service_hours_page_renders_in_real_chromium(live_server, page, shot):
    page.goto(f"{live_server.url}/service-hours/")
    page.wait_for_selector("h1")
    assert page.locator("table tbody tr").count() >= 28
    shot("service-hours")
