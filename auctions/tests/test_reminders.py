"""Deadline reminders: exactly N business days ahead, once per deadline, in each user's language."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import TestCase

from auctions import tasks
from auctions.models import DEADLINE_FIELDS, SentReminder
from auctions.schedule import services
from tests import factories
from tests.factories import AuctionFactory

from .conftest import jst

pytestmark = pytest.mark.django_db

# Wed 2026-11-25 (the suite's clock): 3 business days ahead is Mon 11-30 (Thu 26, Fri 27, Mon 30).
TODAY_MORNING = jst(2026, 11, 25, 8, 0)


def _auction_with_deadline(at, **overrides):
    """An auction whose expected-capacity deadline is `at` (the other phases far away)."""
    return AuctionFactory(registration_opens_at=jst(2026, 11, 2, 9, 0), expected_capacity_deadline=at, **overrides)


def remind(**kwargs) -> int:
    """Run the reminders and commit: their e-mails are queued on commit (capacity_market.notifications)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.send_deadline_reminders(**kwargs)


@pytest.fixture
def recipients(operator_a, operator_b):
    return {
        "ja": factories.OperatorUserFactory(operator=operator_a, language="ja", login_id="ja-user"),
        "en": factories.OperatorAdminFactory(operator=operator_b, language="en", login_id="en-admin"),
        "inactive": factories.OperatorUserFactory(operator=operator_a, is_active=False, login_id="gone-user"),
        "staff": factories.ReviewerFactory(login_id="staff-user"),
    }


def test_a_deadline_exactly_three_business_days_ahead_is_mailed_to_active_operator_users_in_their_language(recipients):
    auction = _auction_with_deadline(jst(2026, 11, 30, 18, 0))
    sent = remind(now=TODAY_MORNING)
    assert sent == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {recipients["ja"].email, recipients["en"].email}
    ja, en = by_address[recipients["ja"].email], by_address[recipients["en"].email]
    assert "期待容量" in ja.subject and auction.name in ja.subject
    assert "2026-11-30 18:00 JST" in ja.body
    assert "Reminder" in en.subject and "expected-capacity deadline" in en.subject


def test_a_second_run_sends_nothing(recipients):
    _auction_with_deadline(jst(2026, 11, 30, 18, 0))
    remind(now=TODAY_MORNING)
    remind(now=jst(2026, 11, 25, 15, 0))
    assert len(mail.outbox) == 2
    assert SentReminder.objects.get().recipient_count == 2


@pytest.mark.parametrize("deadline_day", [27, 26, 1])
def test_deadlines_fewer_or_more_business_days_ahead_are_not_mailed(recipients, deadline_day):
    _auction_with_deadline(jst(2026, 12 if deadline_day == 1 else 11, deadline_day, 18, 0))
    assert remind(now=TODAY_MORNING) == 0
    assert mail.outbox == []


def test_a_deadline_on_a_weekend_is_reminded_like_the_business_day_before_it(recipients):
    # Sat 11-28: the business days after Wed 11-25 up to it are Thu and Fri (2), so it is due with N=2, not N=3
    _auction_with_deadline(jst(2026, 11, 28, 12, 0))
    assert remind(now=TODAY_MORNING, business_days=3) == 0
    assert remind(now=TODAY_MORNING, business_days=2) == 2


def test_a_holiday_is_not_counted():
    # Fri 11-20 → Mon 11-23 is 勤労感謝の日: 3 business days ahead are Tue 24, Wed 25, Thu 26
    _auction_with_deadline(jst(2026, 11, 26, 18, 0))
    due = services.due_reminders(today=jst(2026, 11, 20).date(), business_days=3)
    assert [name for _auction, name in due] == ["expected_capacity_deadline"]


def test_a_holiday_tuesday_is_not_counted_although_the_service_is_open(recipients):
    # Fri 10-30 → Mon 11-2 (1), Tue 11-3 文化の日 (open, not a business day), Wed 11-4 (2), Thu 11-5 (3)
    _auction_with_deadline(jst(2026, 11, 5, 18, 0))
    friday = jst(2026, 10, 30, 8, 0)
    assert services.send_deadline_reminders(now=friday, business_days=2) == 0
    assert services.send_deadline_reminders(now=friday, business_days=3) == 2


def test_a_deadline_on_a_holiday_tuesday_is_reminded_like_the_business_day_before_it():
    _auction_with_deadline(jst(2026, 11, 3, 18, 0))
    assert [n for _a, n in services.due_reminders(today=jst(2026, 10, 30).date(), business_days=1)] == \
        ["expected_capacity_deadline"]
    assert services.due_reminders(today=jst(2026, 10, 30).date(), business_days=2) == []


def _auction_with_bid_close(at):
    return AuctionFactory(registration_opens_at=jst(2026, 11, 2, 9, 0), bid_opens_at=jst(2026, 12, 14, 9, 0),
                        bid_closes_at=at)


def test_a_reminder_over_the_year_end_counts_neither_its_tuesday_nor_its_other_days(recipients):
    # Fri 12-25 → Mon 12-28 (1), Tue 12-29 year-end (open, not counted), 12-30 … 1-3, Mon 1-4 (2), Tue 1-5 (3)
    _auction_with_bid_close(jst(2027, 1, 5, 18, 0))
    friday = jst(2026, 12, 25, 8, 0)
    assert services.due_reminders(today=friday.date(), business_days=2) == []
    assert services.send_deadline_reminders(now=friday, business_days=3) == 2
    assert SentReminder.objects.get().deadline == "bid_closes_at"


def test_a_reminder_spanning_a_holiday_tuesday_and_the_year_end_counts_only_business_days():
    # After Fri 2026-10-30 up to Tue 2027-01-05: November 19 (22 weekdays less Tue 11-3 文化の日 and Mon 11-23
    # 勤労感謝の日), December 20 (Mon 12-28 is the last; the year-end Tuesday 12-29 and 12-30, 12-31 do not count),
    # January 2 (Mon 1-4, Tue 1-5): 41, where counting the open Tuesdays would make 43.
    auction = _auction_with_bid_close(jst(2027, 1, 5, 18, 0))
    assert services.due_reminders(today=jst(2026, 10, 30).date(), business_days=41) == [(auction, "bid_closes_at")]
    assert services.due_reminders(today=jst(2026, 10, 30).date(), business_days=43) == []


@pytest.mark.parametrize("business_days", [3, 60])
def test_finding_the_due_reminders_runs_one_query_per_deadline_whatever_the_number_of_days(
        django_assert_num_queries, business_days):
    _auction_with_deadline(jst(2026, 11, 30, 18, 0))
    with django_assert_num_queries(len(DEADLINE_FIELDS)):
        services.due_reminders(today=jst(2026, 11, 25).date(), business_days=business_days)


def test_a_moved_deadline_is_reminded_again(recipients):
    auction = _auction_with_deadline(jst(2026, 11, 30, 18, 0))
    remind(now=TODAY_MORNING)
    auction.expected_capacity_deadline = jst(2026, 11, 30, 12, 0)
    auction.save()
    remind(now=TODAY_MORNING)
    assert len(mail.outbox) == 4
    assert SentReminder.objects.count() == 2


def test_the_number_of_business_days_is_a_setting(recipients, settings):
    settings.AUCTION_REMINDER_BUSINESS_DAYS = 1
    _auction_with_deadline(jst(2026, 11, 26, 18, 0))
    assert remind(now=TODAY_MORNING) == 2


def test_the_beat_schedule_runs_the_reminder_task_daily(recipients, time_machine):
    assert settings.CELERY_BEAT_SCHEDULE["auctions-deadline-reminders"]["task"] == \
        "auctions.tasks.send_deadline_reminders"
    assert settings.AUCTION_REMINDER_BUSINESS_DAYS == 3
    _auction_with_deadline(jst(2026, 11, 30, 18, 0))
    time_machine.move_to(TODAY_MORNING, tick=False)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert tasks.send_deadline_reminders.delay().get() == 2
    assert len(mail.outbox) == 2
