"""`manage.py service_calendar YYYY-MM [--json]` for OCCTO staff."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from capacity_market.models import ServiceCalendarException

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("service_calendar", *args, stdout=out)
    return out.getvalue()


def test_it_prints_each_day_of_the_month_with_open_or_closed_business_day_or_not_and_the_reason():
    lines = run("2026-01").splitlines()
    assert len(lines) == 31
    assert lines[0].startswith("2026-01-01")
    assert "元日" in lines[0]
    by_date = {line[:10]: line for line in lines}
    assert "09:00-18:00" in by_date["2026-01-05"] and "営業日" in by_date["2026-01-05"]
    assert "成人の日" in by_date["2026-01-12"] and "09:00" not in by_date["2026-01-12"]
    assert "年末年始" in by_date["2026-01-02"]
    assert "土曜日" in by_date["2026-01-03"]
    assert "  営業日  " in by_date["2026-01-05"] and "非営業日" not in by_date["2026-01-05"]
    assert "非営業日" in by_date["2026-01-12"] and "非営業日" in by_date["2026-01-03"]


def test_text_output_marks_tuesdays_that_are_holidays_as_open_but_not_business_days():
    by_date = {line[:10]: line for line in run("2026-11").splitlines()}
    assert "09:00-18:00" in by_date["2026-11-03"] and "文化の日" in by_date["2026-11-03"]
    assert "非営業日" in by_date["2026-11-03"]
    assert "09:00" not in by_date["2026-11-23"]


def test_text_output_can_be_in_english():
    by_date = {line[:10]: line for line in run("2026-01", "--language", "en").splitlines()}
    assert "open 09:00-18:00" in by_date["2026-01-05"] and "Business day" in by_date["2026-01-05"]
    assert "closed" in by_date["2026-01-02"] and "Year-end and New Year holidays" in by_date["2026-01-02"]
    assert "  business day  " in by_date["2026-01-05"]
    assert "not a business day" in by_date["2026-01-02"] and "not a business day" in by_date["2026-01-03"]


def test_text_output_has_the_business_day_in_its_own_column():
    lines = run("2025-12", "--language", "en").splitlines()
    columns = {line[:10]: [part.strip() for part in line[17:].split("  ") if part.strip()] for line in lines}
    assert columns["2025-12-26"] == ["open 09:00-18:00", "business day", "Business day"]
    assert columns["2025-12-30"] == ["open 09:00-18:00", "not a business day",
                                     "Tuesday holiday (Year-end and New Year holidays): open"]
    assert columns["2025-12-31"] == ["closed", "not a business day", "Year-end and New Year holidays"]


def test_json_output_is_a_list_of_days_in_the_documented_shape():
    days = json.loads(run("2026-01", "--json"))
    assert len(days) == 31
    assert days[1] == {"date": "2026-01-02", "open": False, "business_day": False, "opens": None, "closes": None,
                       "reason": "年末年始休業"}
    assert days[4] == {"date": "2026-01-05", "open": True, "business_day": True, "opens": "09:00", "closes": "18:00",
                       "reason": "営業日"}
    assert {tuple(d) for d in days} == {("date", "open", "business_day", "opens", "closes", "reason")}


def test_json_output_for_a_year_end_with_a_tuesday():
    days = {d["date"]: d for d in json.loads(run("2025-12", "--json"))}
    assert days["2025-12-30"]["open"] is True
    assert days["2025-12-30"]["opens"] == "09:00"
    assert days["2025-12-30"]["business_day"] is False
    assert days["2025-12-29"]["open"] is False  # Monday
    assert days["2025-12-31"]["open"] is False


def test_exceptions_change_open_and_show_their_reason_but_leave_the_business_day_alone():
    ServiceCalendarException.objects.create(date="2026-01-07", kind="closed", reason="システム保守")
    ServiceCalendarException.objects.create(date="2026-01-10", kind="open", reason="臨時開局")
    days = {d["date"]: d for d in json.loads(run("2026-01", "--json"))}
    assert days["2026-01-07"] == {"date": "2026-01-07", "open": False, "business_day": True, "opens": None,
                                  "closes": None, "reason": "システム保守"}
    assert days["2026-01-10"]["open"] is True and days["2026-01-10"]["reason"] == "臨時開局"
    assert days["2026-01-10"]["business_day"] is False  # a Saturday opened for service is still no business day


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026", "26-01", "foo", "2026-01-05", "", "0000-01"])
def test_an_invalid_month_is_refused_with_exit_code_2(month):
    with pytest.raises(CommandError) as refused:
        run(month)
    assert refused.value.returncode == 2
    assert "YYYY-MM" in str(refused.value)


def test_an_invalid_month_on_the_command_line_prints_one_line_and_no_traceback():
    root = Path(settings.BASE_DIR)
    completed = subprocess.run(
        [sys.executable, str(root / "manage.py"), "service_calendar", "2026-13"],
        capture_output=True, text=True, cwd=root, env={**os.environ, "DJANGO_SETTINGS_MODULE": "capacity_market.test_settings"},
        timeout=60, check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "2026-13" in completed.stderr
