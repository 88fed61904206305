"""Business days (営業日) of the calendar module: Monday–Friday that are not 休日, counted over a range at once."""

import datetime as dt

import pytest

from capacity_market import service_window
from capacity_market.models import ServiceCalendarException
from capacity_market.service_window import (
    business_days,
    business_days_between,
    is_business_day,
    nth_business_day_after,
    nth_business_day_before,
)

pytestmark = pytest.mark.django_db


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- which days are business days ----------------------------------------------------------------------------------

@pytest.mark.parametrize("iso", ["2026-11-24", "2026-11-25", "2026-12-28", "2027-01-04", "2026-09-24"])
def test_an_ordinary_weekday_is_a_business_day(iso):
    assert is_business_day(day(iso)) is True


@pytest.mark.parametrize(
    "iso",
    [
        "2026-11-28", "2026-11-29",  # Saturday, Sunday
        "2026-11-23",  # 勤労感謝の日 (Monday)
        "2026-05-06",  # 振替休日 (Wednesday)
        "2026-09-22",  # 国民の休日 (Tuesday)
        "2026-11-03",  # 文化の日 (Tuesday)
        "2026-12-29",  # year-end Tuesday
        "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03",
    ],
)
def test_a_holiday_a_weekend_or_a_year_end_day_is_not_a_business_day(iso):
    assert is_business_day(day(iso)) is False


@pytest.mark.parametrize("iso", ["2026-11-03", "2026-09-22", "2026-12-29", "2025-12-30", "2024-12-31"])
def test_a_tuesday_that_is_a_holiday_is_open_but_is_not_a_business_day(iso):
    assert day(iso).weekday() == 1
    status = service_window.day_status(day(iso))
    assert status.open is True
    assert status.business_day is False
    assert is_business_day(day(iso)) is False


def test_a_calendar_exception_changes_the_service_window_but_not_the_business_days():
    ServiceCalendarException.objects.create(date=day("2026-11-26"), kind="closed", reason="システム保守")
    ServiceCalendarException.objects.create(date=day("2026-11-28"), kind="open", reason="臨時開局")
    closed, extra = service_window.day_status(day("2026-11-26")), service_window.day_status(day("2026-11-28"))
    assert (closed.open, closed.business_day) == (False, True)
    assert (extra.open, extra.business_day) == (True, False)
    assert is_business_day(day("2026-11-26")) is True and is_business_day(day("2026-11-28")) is False
    assert business_days_between(day("2026-11-25"), day("2026-11-30")) == 3  # Thu 26 (closed), Fri 27, Mon 30


# --- counting over a range -------------------------------------------------------------------------------------------

def test_the_business_days_of_a_range_are_listed_in_order_with_both_ends_included():
    assert business_days(day("2026-11-20"), day("2026-11-27")) == [
        day("2026-11-20"), day("2026-11-24"), day("2026-11-25"), day("2026-11-26"), day("2026-11-27"),
    ]
    assert business_days(day("2026-11-25"), day("2026-11-25")) == [day("2026-11-25")]
    assert business_days(day("2026-11-25"), day("2026-11-24")) == []


def test_a_weekend_does_not_count():
    friday, monday = day("2026-11-27"), day("2026-11-30")
    assert business_days_between(friday, monday) == 1
    assert nth_business_day_after(friday, 1) == monday
    assert nth_business_day_before(monday, 1) == friday


def test_a_national_holiday_does_not_count():
    # Fri 11-20 → Sat, Sun, Mon 11-23 (勤労感謝の日), Tue 11-24
    assert business_days_between(day("2026-11-20"), day("2026-11-24")) == 1
    assert nth_business_day_after(day("2026-11-20"), 3) == day("2026-11-26")


def test_a_holiday_tuesday_does_not_count():
    # Fri 10-30 → Mon 11-2 (1), Tue 11-3 文化の日 (open, not counted), Wed 11-4 (2), Thu 11-5 (3)
    assert business_days_between(day("2026-10-30"), day("2026-11-05")) == 3
    assert nth_business_day_after(day("2026-10-30"), 3) == day("2026-11-05")
    assert nth_business_day_before(day("2026-11-04"), 1) == day("2026-11-02")


def test_the_year_end_does_not_count_even_on_its_tuesday():
    # Mon 12-28 → Tue 12-29 (year-end Tuesday: open, not counted), Wed 12-30 … Sun 1-3, Mon 1-4 (1)
    assert business_days_between(day("2026-12-28"), day("2027-01-04")) == 1
    assert nth_business_day_after(day("2026-12-25"), 2) == day("2027-01-04")
    assert nth_business_day_before(day("2027-01-04"), 1) == day("2026-12-28")
    assert nth_business_day_before(day("2027-01-05"), 2) == day("2026-12-28")
    assert nth_business_day_before(day("2027-01-05"), 3) == day("2026-12-25")


def test_no_business_days_lie_between_a_day_and_itself_or_an_earlier_day():
    assert business_days_between(day("2026-11-25"), day("2026-11-25")) == 0
    assert business_days_between(day("2026-11-25"), day("2026-11-20")) == 0


def test_the_zeroth_business_day_is_the_day_itself_and_a_negative_count_is_refused():
    assert nth_business_day_after(day("2026-11-28"), 0) == day("2026-11-28")
    assert nth_business_day_before(day("2026-11-28"), 0) == day("2026-11-28")
    with pytest.raises(ValueError, match="≥ 0"):
        nth_business_day_after(day("2026-11-25"), -1)
    with pytest.raises(ValueError, match="≥ 0"):
        nth_business_day_before(day("2026-11-25"), -1)


@pytest.mark.parametrize("n", [1, 2, 5, 19, 20, 21, 60, 245, 300, 733])
def test_counting_forward_and_back_agree_with_the_list_of_business_days(n):
    start = day("2025-04-25")  # a Friday before the Golden Week
    listed = business_days(start + dt.timedelta(days=1), start + dt.timedelta(days=n * 2 + 30))
    assert nth_business_day_after(start, n) == listed[n - 1]
    assert business_days_between(start, listed[n - 1]) == n
    assert nth_business_day_before(listed[n - 1], n) == start  # start is a business day


def test_the_list_of_business_days_agrees_with_each_day_s_status_over_three_years():
    first, last = day("2025-01-01"), day("2027-12-31")
    statuses = service_window.statuses_between(first, last)
    assert business_days(first, last) == [s.date for s in statuses if s.business_day]
    assert all(is_business_day(s.date) is s.business_day for s in statuses)


# --- queries ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [10, 400])
def test_business_day_arithmetic_runs_no_query_whatever_the_range(django_assert_num_queries, days):
    ServiceCalendarException.objects.create(date=day("2026-11-26"), kind="closed", reason="保守")
    start = day("2026-11-25")
    end = start + dt.timedelta(days=days)
    with django_assert_num_queries(0):
        listed = business_days(start, end)
        assert business_days_between(start, end) == len(listed) - 1
        assert nth_business_day_after(start, len(listed) - 1) == listed[-1]
        assert nth_business_day_before(listed[-1], len(listed) - 1) == start


@pytest.mark.parametrize("days", [10, 400])
def test_the_statuses_of_a_range_run_one_query_whatever_its_length(django_assert_num_queries, days):
    start = day("2026-11-25")
    with django_assert_num_queries(1):
        statuses = service_window.statuses_between(start, start + dt.timedelta(days=days))
    assert len(statuses) == days + 1
