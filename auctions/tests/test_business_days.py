"""Business days counted with the service calendar (capacity_market.service_window.day_status)."""

import datetime as dt

import pytest

from auctions.phases import business_days_between, nth_business_day_after
from capacity_market.models import ServiceCalendarException

pytestmark = pytest.mark.django_db


def test_a_weekend_does_not_count():
    friday, monday = dt.date(2026, 11, 27), dt.date(2026, 11, 30)
    assert business_days_between(friday, monday) == 1
    assert nth_business_day_after(friday, 1) == monday


def test_a_national_holiday_does_not_count():
    # Fri 11-20 → Sat, Sun, Mon 11-23 (勤労感謝の日), Tue 11-24
    assert business_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 24)) == 1
    assert nth_business_day_after(dt.date(2026, 11, 20), 3) == dt.date(2026, 11, 26)


def test_the_year_end_holidays_do_not_count_except_on_a_tuesday():
    # Mon 12-28 → Tue 12-29 (year-end, but Tuesday: open), Wed 12-30 … Sun 1-3 closed, Mon 1-4 open
    assert business_days_between(dt.date(2026, 12, 28), dt.date(2027, 1, 4)) == 2


def test_a_calendar_exception_closing_a_day_is_skipped():
    ServiceCalendarException.objects.create(date=dt.date(2026, 11, 26), kind=ServiceCalendarException.Kind.CLOSED,
                                            reason="システム保守")
    assert business_days_between(dt.date(2026, 11, 25), dt.date(2026, 11, 27)) == 1


def test_no_business_days_lie_between_a_day_and_itself_or_an_earlier_day():
    day = dt.date(2026, 11, 25)
    assert business_days_between(day, day) == 0
    assert business_days_between(day, day - dt.timedelta(days=5)) == 0
