"""`service_calendar --json` against the public holiday calendar for 2025–2027, day by day.

The reference is written out by hand from the Cabinet Office's list (内閣府「国民の祝日について」), including the
substitute holidays (振替休日, 祝日法第3条第2項) and 国民の休日 (第3条第3項), and NOT derived from `jpholiday`,
so a wrong or stale `jpholiday` fails here. From it, with 休日 = Saturday, Sunday, a listed holiday or 12/29–1/3:
    business_day = not 休日
    open         = not 休日, or a Tuesday that is 休日 (休日にあたる火曜日)
"""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

OFFICIAL_HOLIDAYS: dict[str, str] = {
    # 2025 (令和7年)
    "2025-01-01": "元日",
    "2025-01-13": "成人の日",
    "2025-02-11": "建国記念の日",
    "2025-02-23": "天皇誕生日",  # Sunday
    "2025-02-24": "休日（振替休日）",
    "2025-03-20": "春分の日",
    "2025-04-29": "昭和の日",
    "2025-05-03": "憲法記念日",  # Saturday
    "2025-05-04": "みどりの日",  # Sunday
    "2025-05-05": "こどもの日",
    "2025-05-06": "休日（振替休日）",
    "2025-07-21": "海の日",
    "2025-08-11": "山の日",
    "2025-09-15": "敬老の日",
    "2025-09-23": "秋分の日",
    "2025-10-13": "スポーツの日",
    "2025-11-03": "文化の日",
    "2025-11-23": "勤労感謝の日",  # Sunday
    "2025-11-24": "休日（振替休日）",
    # 2026 (令和8年)
    "2026-01-01": "元日",
    "2026-01-12": "成人の日",
    "2026-02-11": "建国記念の日",
    "2026-02-23": "天皇誕生日",
    "2026-03-20": "春分の日",
    "2026-04-29": "昭和の日",
    "2026-05-03": "憲法記念日",  # Sunday
    "2026-05-04": "みどりの日",
    "2026-05-05": "こどもの日",
    "2026-05-06": "休日（振替休日）",
    "2026-07-20": "海の日",
    "2026-08-11": "山の日",
    "2026-09-21": "敬老の日",
    "2026-09-22": "休日（国民の休日）",
    "2026-09-23": "秋分の日",
    "2026-10-12": "スポーツの日",
    "2026-11-03": "文化の日",
    "2026-11-23": "勤労感謝の日",
    # 2027 (令和9年)
    "2027-01-01": "元日",
    "2027-01-11": "成人の日",
    "2027-02-11": "建国記念の日",
    "2027-02-23": "天皇誕生日",
    "2027-03-21": "春分の日",  # Sunday
    "2027-03-22": "休日（振替休日）",
    "2027-04-29": "昭和の日",
    "2027-05-03": "憲法記念日",
    "2027-05-04": "みどりの日",
    "2027-05-05": "こどもの日",
    "2027-07-19": "海の日",
    "2027-08-11": "山の日",
    "2027-09-20": "敬老の日",
    "2027-09-23": "秋分の日",
    "2027-10-11": "スポーツの日",
    "2027-11-03": "文化の日",
    "2027-11-23": "勤労感謝の日",
}
HOLIDAYS = {dt.date.fromisoformat(iso) for iso in OFFICIAL_HOLIDAYS}
MONTHS = [f"{year}-{month:02d}" for year in (2025, 2026, 2027) for month in range(1, 13)]
TUESDAY = 1


def is_year_end(day: dt.date) -> bool:
    return (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)


def expected(day: dt.date) -> dict:
    kyujitsu = day.weekday() >= 5 or day in HOLIDAYS or is_year_end(day)
    return {"open": not kyujitsu or day.weekday() == TUESDAY, "business_day": not kyujitsu}


def calendar(month: str) -> dict[str, dict]:
    out = StringIO()
    call_command("service_calendar", month, "--json", stdout=out)
    return {d["date"]: d for d in json.loads(out.getvalue())}


def test_the_reference_lists_the_published_number_of_holidays_each_year():
    # 16 national holidays a year, plus 3 substitute holidays in 2025, 振替休日 and 国民の休日 in 2026, 1 in 2027
    counts = {year: sum(1 for d in HOLIDAYS if d.year == year) for year in (2025, 2026, 2027)}
    assert counts == {2025: 19, 2026: 18, 2027: 17}


@pytest.mark.parametrize("month", MONTHS)
def test_every_day_of_2025_to_2027_is_open_and_a_business_day_exactly_as_the_public_calendar_implies(month):
    days = calendar(month)
    year, number = map(int, month.split("-"))
    first = dt.date(year, number, 1)
    expected_dates = [first + dt.timedelta(days=i) for i in range(31)
                      if (first + dt.timedelta(days=i)).month == number]
    assert list(days) == [d.isoformat() for d in expected_dates]
    wrong = {iso: {key: day[key] for key in ("open", "business_day")}
             for iso, day in days.items()
             if {key: day[key] for key in ("open", "business_day")} != expected(dt.date.fromisoformat(iso))}
    assert wrong == {}


@pytest.mark.parametrize(
    "iso",
    ["2025-02-11", "2025-04-29", "2025-05-06", "2025-09-23", "2026-05-05", "2026-08-11", "2026-09-22",
     "2026-11-03", "2027-02-23", "2027-05-04", "2027-11-23"],
)
def test_a_holiday_tuesday_is_open_but_not_a_business_day(iso):
    assert dt.date.fromisoformat(iso).weekday() == TUESDAY
    day = calendar(iso[:7])[iso]
    assert (day["open"], day["business_day"]) == (True, False)
    assert (day["opens"], day["closes"]) == ("09:00", "18:00")


@pytest.mark.parametrize("iso", ["2024-12-31", "2025-12-30", "2026-12-29", "2030-12-31", "2030-01-01"])
def test_a_year_end_tuesday_is_open_but_not_a_business_day(iso):
    assert dt.date.fromisoformat(iso).weekday() == TUESDAY
    day = calendar(iso[:7])[iso]
    assert (day["open"], day["business_day"]) == (True, False)


def test_the_other_year_end_days_are_neither_open_nor_business_days():
    december, january = calendar("2026-12"), calendar("2027-01")
    for iso in ["2026-12-30", "2026-12-31"]:
        assert (december[iso]["open"], december[iso]["business_day"]) == (False, False)
    for iso in ["2027-01-01", "2027-01-02", "2027-01-03"]:
        assert (january[iso]["open"], january[iso]["business_day"]) == (False, False)
    assert (december["2026-12-28"]["open"], december["2026-12-28"]["business_day"]) == (True, True)
    assert (january["2027-01-04"]["open"], january["2027-01-04"]["business_day"]) == (True, True)


@pytest.mark.parametrize("iso", ["2026-11-28", "2026-11-29", "2025-05-03", "2025-05-04", "2027-03-21"])
def test_weekends_are_neither_open_nor_business_days_even_when_they_are_holidays(iso):
    day = calendar(iso[:7])[iso]
    assert (day["open"], day["business_day"]) == (False, False)


@pytest.mark.parametrize("iso", ["2025-02-24", "2025-11-24", "2026-05-06", "2027-03-22", "2026-09-21"])
def test_substitute_holidays_and_other_weekday_holidays_are_neither_open_nor_business_days(iso):
    day = calendar(iso[:7])[iso]
    assert (day["open"], day["business_day"]) == (False, False)
