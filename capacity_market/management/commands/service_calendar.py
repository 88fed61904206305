"""`manage.py service_calendar YYYY-MM [--json] [--language ja|en]`: the service window, day by day, for staff.

Each day says whether the service is open (and its hours) and, beside it, whether it is a business day (営業日):
a holiday Tuesday is open but not a business day (capacity_market.service_window)."""

import datetime as dt
import json
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, translation
from django.utils.translation import gettext as _

from capacity_market import service_window

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(value: str) -> tuple[int, int]:
    match = MONTH.match(value.strip())
    if match:
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and dt.MINYEAR <= year <= dt.MAXYEAR - 1:
            return year, month
    raise CommandError(f"invalid month {value!r}: expected YYYY-MM, e.g. 2026-01", returncode=2)


class Command(BaseCommand):
    help = "Print each day of a month with open/closed, business day or not, and the reason (利用規約 2.2)."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month as YYYY-MM, e.g. 2026-01")
        parser.add_argument("--json", action="store_true", help="print a JSON list of days instead of text")
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default=settings.LANGUAGE_CODE,
            help="language of the reasons and labels (default: %(default)s)",
        )

    def handle(self, *args, month: str, json: bool, language: str, **options):
        year, month_number = parse_month(month)
        with translation.override(language):
            days = service_window.month_statuses(year, month_number)
            if json:
                self.stdout.write(_dumps([day.as_json() for day in days]))
                return
            for day in days:
                self.stdout.write(self._line(day))

    @staticmethod
    def _line(day: service_window.DayStatus) -> str:
        weekday = formats.date_format(day.date, "D")
        state = _("open %(opens)s-%(closes)s") % {"opens": f"{day.opens:%H:%M}", "closes": f"{day.closes:%H:%M}"} \
            if day.open else _("closed")
        business_day = _("business day") if day.business_day else _("not a business day")
        return f"{day.date.isoformat()} ({weekday})  {state:<16}  {business_day:<18}  {day.reason}"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
