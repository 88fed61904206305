"""The service window of 利用規約 2.2 as a function of the clock and the OCCTO-maintained exceptions."""

import datetime as dt

import pytest
from django.utils import translation

from capacity_market import service_window
from capacity_market.models import ServiceCalendarException
from capacity_market.service_window import JST, ServiceWindowClosed

pytestmark = pytest.mark.django_db


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- the hours ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (jst(2026, 11, 25, 8, 59, 59), False),
        (jst(2026, 11, 25, 8, 59, 59, 999999), False),
        (jst(2026, 11, 25, 9, 0, 0), True),
        (jst(2026, 11, 25, 12, 0, 0), True),
        (jst(2026, 11, 25, 17, 59, 59), True),
        (jst(2026, 11, 25, 17, 59, 59, 999999), True),
        (jst(2026, 11, 25, 18, 0, 0), False),
        (jst(2026, 11, 25, 23, 59, 59), False),
        (jst(2026, 11, 25, 0, 0, 0), False),
    ],
    ids=lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v),
)
def test_a_business_day_is_open_from_nine_until_just_before_eighteen(instant, expected):
    assert service_window.is_open(instant) is expected


def test_the_hours_are_reckoned_in_japan_time_whatever_the_zone_of_the_instant():
    # 2026-11-25 00:00 UTC is 09:00 JST (open); 09:00 UTC is 18:00 JST (closed).
    assert service_window.is_open(dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)) is True
    assert service_window.is_open(dt.datetime(2026, 11, 24, 23, 59, 59, tzinfo=dt.UTC)) is False
    assert service_window.is_open(dt.datetime(2026, 11, 25, 8, 59, 59, tzinfo=dt.UTC)) is True
    assert service_window.is_open(dt.datetime(2026, 11, 25, 9, 0, 0, tzinfo=dt.UTC)) is False


@pytest.mark.parametrize(
    ("clock", "expected"),
    [("2026-11-25 08:59:59", False), ("2026-11-25 09:00:00", True), ("2026-11-25 17:59:59", True),
     ("2026-11-25 18:00:00", False)],
)
def test_it_reads_the_clock_when_no_instant_is_given(time_machine, clock, expected):
    time_machine.move_to(dt.datetime.fromisoformat(clock).replace(tzinfo=JST), tick=False)
    assert service_window.is_open() is expected


# --- which days ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("iso", "name"),
    [
        ("2026-11-03", "文化の日"),
        ("2026-09-22", "国民の休日"),  # between 敬老の日 (Mon 9/21) and 秋分の日 (Wed 9/23)
        ("2025-12-30", None),  # a year-end day, no national holiday
        ("2026-12-29", None),
        ("2020-12-29", None),
    ],
)
def test_tuesdays_that_are_holidays_are_open(iso, name):
    status = service_window.day_status(day(iso))
    assert day(iso).weekday() == 1
    assert status.open is True
    assert status.opens == dt.time(9, 0) and status.closes == dt.time(18, 0)
    assert service_window.is_open(jst(*day(iso).timetuple()[:3], 9, 0)) is True
    assert service_window.is_open(jst(*day(iso).timetuple()[:3], 18, 0)) is False
    if name:
        assert name in status.reason


@pytest.mark.parametrize(
    ("iso", "reason"),
    [
        ("2026-01-12", "成人の日"),
        ("2026-05-06", "振替休日"),  # 憲法記念日 on a Sunday → substitute holiday on Wednesday
        ("2026-09-21", "敬老の日"),
        ("2026-09-23", "秋分の日"),
        ("2026-11-23", "勤労感謝の日"),
        ("2026-01-01", "元日"),
    ],
)
def test_national_holidays_other_than_on_a_tuesday_are_closed(iso, reason):
    status = service_window.day_status(day(iso))
    assert status.open is False
    assert status.opens is None and status.closes is None
    assert reason in status.reason
    assert service_window.is_open(jst(*day(iso).timetuple()[:3], 10, 0)) is False


@pytest.mark.parametrize("iso", ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03",
                                 "2026-01-02", "2025-12-29", "2025-12-31"])
def test_year_end_and_new_year_days_are_closed_unless_they_fall_on_a_tuesday(iso):
    status = service_window.day_status(day(iso))
    assert day(iso).weekday() != 1
    assert status.open is False
    assert service_window.is_open(jst(*day(iso).timetuple()[:3], 10, 0)) is False


def test_the_whole_year_end_of_2026_is_closed_except_its_tuesday():
    statuses = {d: service_window.day_status(day(d)).open for d in
                ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02",
                 "2027-01-03", "2027-01-04"]}
    assert statuses == {
        "2026-12-28": True,   # Monday, business day
        "2026-12-29": True,   # Tuesday that is a holiday
        "2026-12-30": False, "2026-12-31": False, "2027-01-01": False, "2027-01-02": False,
        "2027-01-03": False,
        "2027-01-04": True,   # Monday, business day again
    }


def test_weekends_are_closed_even_when_they_are_also_holidays():
    assert service_window.day_status(day("2026-11-28")).open is False  # Saturday
    assert service_window.day_status(day("2026-11-29")).open is False  # Sunday
    assert service_window.day_status(day("2026-05-03")).open is False  # Sunday, 憲法記念日


def test_an_ordinary_weekday_including_an_ordinary_tuesday_is_open():
    assert service_window.day_status(day("2026-11-24")).open is True
    assert service_window.day_status(day("2026-11-25")).open is True


# --- exceptions --------------------------------------------------------------------------------------------------

def test_an_extra_closure_closes_a_business_day_and_gives_its_reason():
    ServiceCalendarException.objects.create(date=day("2026-11-25"), kind="closed", reason="システム保守")
    status = service_window.day_status(day("2026-11-25"))
    assert status.open is False
    assert status.reason == "システム保守"
    assert service_window.is_open(jst(2026, 11, 25, 10, 0)) is False


def test_an_extra_closure_also_closes_a_tuesday_that_is_a_holiday():
    ServiceCalendarException.objects.create(date=day("2026-11-03"), kind="closed", reason="臨時休止")
    assert service_window.is_open(jst(2026, 11, 3, 10, 0)) is False


def test_an_extra_opening_opens_a_holiday_for_the_usual_hours_only():
    ServiceCalendarException.objects.create(date=day("2026-01-12"), kind="open", reason="臨時開局")
    status = service_window.day_status(day("2026-01-12"))
    assert status.open is True
    assert status.reason == "臨時開局"
    assert service_window.is_open(jst(2026, 1, 12, 9, 0)) is True
    assert service_window.is_open(jst(2026, 1, 12, 8, 59, 59)) is False
    assert service_window.is_open(jst(2026, 1, 12, 18, 0)) is False


def test_an_extra_opening_can_open_a_saturday():
    ServiceCalendarException.objects.create(date=day("2026-11-28"), kind="open", reason="入札締切前の臨時開局")
    assert service_window.is_open(jst(2026, 11, 28, 10, 0)) is True
    assert service_window.is_open(jst(2026, 11, 29, 10, 0)) is False


def test_the_month_calendar_applies_exceptions_of_that_month():
    ServiceCalendarException.objects.create(date=day("2026-01-05"), kind="closed", reason="保守")
    ServiceCalendarException.objects.create(date=day("2026-01-31"), kind="open", reason="臨時")
    ServiceCalendarException.objects.create(date=day("2026-02-02"), kind="closed", reason="翌月")
    days = {s.date.isoformat(): s for s in service_window.month_statuses(2026, 1)}
    assert len(days) == 31
    assert days["2026-01-05"].open is False and days["2026-01-05"].reason == "保守"
    assert days["2026-01-31"].open is True
    assert days["2026-01-06"].open is True


@pytest.mark.parametrize(("year", "month", "length"), [(2026, 2, 28), (2028, 2, 29), (2026, 12, 31),
                                                       (2026, 4, 30)])
def test_the_month_calendar_has_one_entry_per_day(year, month, length):
    days = service_window.month_statuses(year, month)
    assert [d.date for d in days] == [dt.date(year, month, 1) + dt.timedelta(days=i) for i in range(length)]


# --- the next opening ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (jst(2026, 11, 25, 8, 0), jst(2026, 11, 25, 9, 0)),         # before opening on a business day
        (jst(2026, 11, 25, 8, 59, 59), jst(2026, 11, 25, 9, 0)),
        (jst(2026, 11, 25, 18, 0), jst(2026, 11, 26, 9, 0)),        # after closing → next morning
        (jst(2026, 11, 27, 18, 0), jst(2026, 11, 30, 9, 0)),        # Friday evening → Monday
        (jst(2026, 11, 28, 12, 0), jst(2026, 11, 30, 9, 0)),        # Saturday → Monday
        (jst(2026, 11, 20, 18, 30), jst(2026, 11, 24, 9, 0)),       # Friday → over 勤労感謝の日 (Mon 11/23)
        (jst(2026, 12, 28, 18, 0), jst(2026, 12, 29, 9, 0)),        # → the year-end Tuesday
        (jst(2026, 12, 29, 18, 0), jst(2027, 1, 4, 9, 0)),          # → over the year-end
        (jst(2027, 1, 1, 0, 0), jst(2027, 1, 4, 9, 0)),
        (jst(2026, 9, 18, 18, 0), jst(2026, 9, 22, 9, 0)),          # Sat, Sun, 敬老の日 → Tuesday 国民の休日
    ],
)
def test_next_opening_skips_closed_days(now, expected):
    assert service_window.next_opening(now) == expected


def test_next_opening_skips_an_extra_closure_and_uses_an_extra_opening():
    ServiceCalendarException.objects.create(date=day("2026-11-30"), kind="closed", reason="保守")
    assert service_window.next_opening(jst(2026, 11, 27, 18, 0)) == jst(2026, 12, 1, 9, 0)
    ServiceCalendarException.objects.create(date=day("2026-11-28"), kind="open", reason="臨時")
    assert service_window.next_opening(jst(2026, 11, 27, 18, 0)) == jst(2026, 11, 28, 9, 0)


def test_next_opening_is_none_when_nothing_opens_within_the_horizon():
    for offset in range(10):
        ServiceCalendarException.objects.create(date=day("2026-11-26") + dt.timedelta(days=offset),
                                                kind="closed", reason="長期保守")
    assert service_window.next_opening(jst(2026, 11, 25, 18, 0), horizon_days=9) is None


# --- enforcement ------------------------------------------------------------------------------------------------

def test_assert_open_refuses_outside_the_window_with_a_message(time_machine):
    time_machine.move_to(jst(2026, 11, 25, 18, 0), tick=False)
    with pytest.raises(ServiceWindowClosed) as refused:
        service_window.assert_open()
    with translation.override("en"):
        assert "service hours" in str(refused.value.message)


def test_assert_open_passes_inside_the_window(time_machine):
    time_machine.move_to(jst(2026, 11, 25, 17, 59, 59), tick=False)
    service_window.assert_open()


def test_assert_open_passes_at_any_hour_when_enforcement_is_off(settings, time_machine):
    settings.SERVICE_WINDOW_ENFORCED = False
    time_machine.move_to(jst(2026, 11, 28, 3, 0), tick=False)
    service_window.assert_open()


def test_the_json_form_of_a_day_gives_hours_only_when_open():
    assert service_window.day_status(day("2026-11-25")).as_json() == {
        "date": "2026-11-25", "open": True, "business_day": True, "opens": "09:00", "closes": "18:00",
        "reason": "営業日",
    }
    closed = service_window.day_status(day("2026-11-28")).as_json()
    assert closed["open"] is False and closed["opens"] is None and closed["closes"] is None
