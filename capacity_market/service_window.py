"""The service window of 利用規約 2.2: when operator-facing functions are open.

Open on OCCTO business days and on Tuesdays that are holidays (休日にあたる火曜日), 9:00–18:00 Asia/Tokyo,
18:00:00 itself closed. 休日 = Saturdays, Sundays, national holidays (incl. substitute holidays and 国民の休日,
from `jpholiday`), and the year-end/new-year days 12/29–1/3. `ServiceCalendarException` rows (maintained by
OCCTO administrators) override a day either way. Everything here is a pure function of the clock and those rows.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jpholiday
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import ServiceCalendarException

JST = ZoneInfo("Asia/Tokyo")
OPENS = dt.time(9, 0)
CLOSES = dt.time(18, 0)
TUESDAY = 1


class ServiceWindowClosed(DomainError):
    pass


@dataclass(frozen=True)
class DayStatus:
    date: dt.date
    open: bool
    reason: str

    @property
    def opens(self) -> dt.time | None:
        return OPENS if self.open else None

    @property
    def closes(self) -> dt.time | None:
        return CLOSES if self.open else None

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "open": self.open,
            "opens": self.opens.strftime("%H:%M") if self.opens else None,
            "closes": self.closes.strftime("%H:%M") if self.closes else None,
            "reason": self.reason,
        }


def _is_year_end(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _exceptions_between(first: dt.date, last: dt.date) -> dict[dt.date, ServiceCalendarException]:
    return {e.date: e for e in ServiceCalendarException.objects.filter(date__range=(first, last))}


def _status(day: dt.date, exception: ServiceCalendarException | None) -> DayStatus:
    if exception is not None:
        is_open = exception.kind == ServiceCalendarException.Kind.OPEN
        return DayStatus(day, is_open, str(exception.reason))
    holiday = jpholiday.is_holiday_name(day)
    weekday = day.weekday()
    if weekday >= 5:
        return DayStatus(day, False, str(_("Saturday") if weekday == 5 else _("Sunday")))
    if weekday == TUESDAY and (holiday or _is_year_end(day)):
        name = holiday or str(_("Year-end and New Year holidays"))
        return DayStatus(day, True, str(_("Tuesday holiday (%(name)s): open") % {"name": name}))
    if holiday:
        return DayStatus(day, False, holiday)
    if _is_year_end(day):
        return DayStatus(day, False, str(_("Year-end and New Year holidays")))
    return DayStatus(day, True, str(_("Business day")))


def day_status(day: dt.date) -> DayStatus:
    return _status(day, _exceptions_between(day, day).get(day))


def month_statuses(year: int, month: int) -> list[DayStatus]:
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    exceptions = _exceptions_between(first, last)
    return [_status(first + dt.timedelta(days=i), exceptions.get(first + dt.timedelta(days=i)))
            for i in range((last - first).days + 1)]


def is_open(at: dt.datetime | None = None) -> bool:
    local = timezone.localtime(at or timezone.now(), JST)
    return OPENS <= local.time() < CLOSES and day_status(local.date()).open


def next_opening(at: dt.datetime | None = None, *, horizon_days: int = 366) -> dt.datetime | None:
    """The next instant the window opens strictly after `at` (an aware datetime in JST)."""
    local = timezone.localtime(at or timezone.now(), JST)
    first = local.date()
    exceptions = _exceptions_between(first, first + dt.timedelta(days=horizon_days))
    for offset in range(horizon_days + 1):
        day = first + dt.timedelta(days=offset)
        if not _status(day, exceptions.get(day)).open:
            continue
        opening = dt.datetime.combine(day, OPENS, tzinfo=JST)
        if opening > local:
            return opening
    return None


def enforced() -> bool:
    return settings.SERVICE_WINDOW_ENFORCED


def assert_open(at: dt.datetime | None = None) -> None:
    """Raise `ServiceWindowClosed` when enforcement is on and the window is closed at `at` (default: now)."""
    if enforced() and not is_open(at):
        raise ServiceWindowClosed(
            _("The system is outside its service hours (business days 9:00–18:00 JST). Nothing was changed.")
        )
