"""The demo data a newcomer sees: every persona can log in, pending work exists, and seeding is idempotent."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from capacity_market.management.commands.seed_demo import DEMO_PASSWORD
from capacity_market.models import ApplicationHistory
from capacity_market.review import ReviewStatus
from notices.models import Notice
from registration.models import Operator, OperatorApplication

pytestmark = pytest.mark.django_db

LOGINS = ["occto-admin", "occto-reviewer", "tohoku-admin", "tohoku-user1", "tohoku-user2", "kyushu-admin",
          "kyushu-user1", "kyushu-user2"]


def counts():
    return (User.objects.count(), Operator.objects.count(), OperatorApplication.objects.count(),
            Notice.objects.count(), ApplicationHistory.objects.count())


def test_seeding_twice_changes_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert "demo-password-2026" in capsys.readouterr().out


def test_every_demo_login_works_and_needs_no_password_change():
    call_command("seed_demo")
    for login_id in LOGINS:
        user = authenticate(login_id=login_id, password=DEMO_PASSWORD)
        assert user is not None, login_id
        assert not user.must_change_password


def test_the_demo_has_two_operators_with_an_admin_and_two_users_each_and_pending_reviews():
    call_command("seed_demo")
    for operator in Operator.objects.all():
        roles = sorted(operator.users.values_list("operator_role", flat=True))
        assert roles == ["admin", "user", "user"]
    statuses = set(OperatorApplication.objects.values_list("status", flat=True))
    assert {ReviewStatus.SUBMITTED, ReviewStatus.RETURNED, ReviewStatus.APPROVED} <= statuses
    assert Notice.objects.filter(to_all_operators=False).exists()


def test_seeding_works_outside_the_service_window(time_machine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    time_machine.move_to(dt.datetime(2026, 11, 28, 23, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False)
    call_command("seed_demo")
    assert Operator.objects.count() == 2
