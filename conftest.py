"""Shared fixtures: a fixed clock inside the service window, and the personas of the access matrix.

Personas (architecture.md §2): anonymous, operator A admin, operator A user, operator B user (and B admin),
reviewer, OCCTO admin. Every test runs at Wednesday 2026-11-25 10:00 JST (the window is open) unless it
moves the clock itself with the `time_machine` fixture.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import factories

JST = ZoneInfo("Asia/Tokyo")
OPEN_INSTANT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def _open_service_window():
    with time_machine.travel(OPEN_INSTANT, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """Transactional tests flush django_content_type; a cached id from before would break generic relations."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    """Mail to the locmem outbox, only through notify(): a test whose code mails any other way fails."""
    from tests import mail_backends

    settings.EMAIL_BACKEND = "tests.mail_backends.NotifyOnlyBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SERVICE_WINDOW_ENFORCED = True
    mail_backends.violations.clear()
    yield
    assert not mail_backends.violations, f"e-mail sent outside notify(): {mail_backends.violations}"


@pytest.fixture
def password() -> str:
    return factories.PASSWORD


@pytest.fixture
def operator_a(db):
    return factories.OperatorFactory(name="東北テスト電力株式会社")


@pytest.fixture
def operator_b(db):
    return factories.OperatorFactory(name="九州テスト電力株式会社")


@pytest.fixture
def admin_a(operator_a):
    return factories.OperatorAdminFactory(operator=operator_a, login_id="admin-a")


@pytest.fixture
def user_a(operator_a):
    return factories.OperatorUserFactory(operator=operator_a, login_id="user-a")


@pytest.fixture
def admin_b(operator_b):
    return factories.OperatorAdminFactory(operator=operator_b, login_id="admin-b")


@pytest.fixture
def user_b(operator_b):
    return factories.OperatorUserFactory(operator=operator_b, login_id="user-b")


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory(login_id="reviewer")


@pytest.fixture
def occto_admin(db):
    return factories.OcctoAdminFactory(login_id="occto-admin")


def _client_for(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


@pytest.fixture
def client_for():
    """`client_for(user)` → a Django test client logged in as that user."""
    from django.test import Client

    return lambda user: _client_for(Client, user)


def pytest_collection_modifyitems(config, items):
    """Transactional tests outside the browser run must use serialized_rollback: a plain transactional test's flush
    re-creates the content types (post_migrate), and the next serialized test on that xdist worker then fails to
    restore them ("duplicate key … django_content_type"), depending on the order tests land on workers."""
    offenders = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback")
                and "tests/browser/" not in str(item.fspath)):
            offenders.append(item.nodeid)
    if offenders:
        raise pytest.UsageError("use @pytest.mark.django_db(transaction=True, serialized_rollback=True): "
                                + ", ".join(offenders))
