import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts failed log-ins per IP in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def log_in(client):
    """`log_in(login_id, password)` posts the log-in form with the test client; returns the response."""

    def post(login_id: str, password: str):
        return client.post(reverse("account_login"), {"login": login_id, "password": password})

    return post
