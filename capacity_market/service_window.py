"""The calendar of 利用規約 2.2: when operator-facing functions are open, and which days are business days.

Two different sets of days, both derived from the 休日 (closed days of the calendar): Saturdays, Sundays,
national holidays (incl. substitute holidays 振替休日 and 国民の休日, from `jpholiday`), and the
year-end/new-year days 12/29–1/3.

- The service window (`open`): open on weekdays that are not 休日 AND on Tuesdays that are 休日
  (休日にあたる火曜日: holiday or year-end Tuesdays), 9:00–18:00 Asia/Tokyo, 18:00:00 itself closed.
  `ServiceCalendarException` rows (maintained by OCCTO administrators) override the window either way.
- Business days (営業日, `business_day`): Monday–Friday that are not 休日. A holiday Tuesday is open but is not a
  business day. Every "N business days before/after" (N 営業日前) counts these.

Decision: calendar exceptions do not move business days. An exception is a maintenance closure or an extra
opening of the *service*; the 営業日 on which deadlines and reminders are counted are a calendar fact, so a
maintenance day does not push a reminder, and an extra Saturday opening does not make Saturday count. Business-day
arithmetic therefore never queries the database, and the range functions (`business_days`, `nth_business_day_*`,
`business_days_between`) look the holidays up once per range, never once per day.

Everything here is a pure function of the clock, the holiday calendar and (for `open` only) those rows.
"""

import datetime as dt
from collections.abc import Iterator
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
SATURDAY = 5
ONE_DAY = dt.timedelta(days=1)


class ServiceWindowClosed(DomainError):
    pass


@dataclass(frozen=True)
class DayStatus:
    date: dt.date
    open: bool
    business_day: bool
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
            "business_day": self.business_day,
            "opens": self.opens.strftime("%H:%M") if self.opens else None,
            "closes": self.closes.strftime("%H:%M") if self.closes else None,
            "reason": self.reason,
        }


# --- the holiday calendar (pure) -------------------------------------------------------------------------------
def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _is_year_end(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _holidays_between(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """National holidays (with their names) from `first` to `last` inclusive, in one look-up."""
    if last < first:
        return {}
    return dict(jpholiday.between(first, last))


def _is_business_day(day: dt.date, *, holiday: bool) -> bool:
    """The one rule for 営業日: Monday–Friday, not a national holiday, not 12/29–1/3."""
    return day.weekday() < SATURDAY and not holiday and not _is_year_end(day)


def is_business_day(day: dt.date) -> bool:
    """Whether `day` is a business day (営業日): Monday–Friday that is not a 休日. No database query.

    A Tuesday that is a holiday or a year-end day is open for service but is not a business day; calendar exceptions
    change neither answer."""
    return _is_business_day(day, holiday=jpholiday.is_holiday(day))


def business_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The business days from `first` to `last`, both inclusive, in order (empty when last < first).

    One holiday look-up for the whole range and no database query, whatever its length."""
    holidays = _holidays_between(first, last)
    return [day for day in _days(first, last) if _is_business_day(day, holiday=day in holidays)]


def business_days_between(start: dt.date, end: dt.date) -> int:
    """How many business days lie after `start` up to and including `end` (0 when end ≤ start)."""
    return len(business_days(start + ONE_DAY, end))


def _chunk(n: int) -> dt.timedelta:
    # Enough calendar days to hold n business days in almost every case (5 in 7, plus the longest run of holidays,
    # the Golden Week or the year-end); a shortfall only costs another chunk.
    return dt.timedelta(days=n * 7 // 5 + 14)


def nth_business_day_after(start: dt.date, n: int) -> dt.date:
    """The n-th business day after `start` (`start` itself when n = 0). Refuses a negative n."""
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    day, found = start, 0
    while found < n:
        first, last = day + ONE_DAY, day + _chunk(n - found)
        for candidate in business_days(first, last):
            found += 1
            if found == n:
                return candidate
        day = last
    return day


def nth_business_day_before(end: dt.date, n: int) -> dt.date:
    """The n-th business day before `end` (`end` itself when n = 0): the day "n 営業日前" of `end`.

    Refuses a negative n."""
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    day, found = end, 0
    while found < n:
        first, last = day - _chunk(n - found), day - ONE_DAY
        for candidate in reversed(business_days(first, last)):
            found += 1
            if found == n:
                return candidate
        day = first
    return day


# --- the service window (holidays + OCCTO's exceptions) ---------------------------------------------------------
def _exceptions_between(first: dt.date, last: dt.date) -> dict[dt.date, ServiceCalendarException]:
    return {e.date: e for e in ServiceCalendarException.objects.filter(date__range=(first, last))}


def _status(day: dt.date, exception: ServiceCalendarException | None, holiday: str | None) -> DayStatus:
    # The business day comes from the one rule whatever the branch; an exception overrides the window only
    # (module docstring).
    business_day = _is_business_day(day, holiday=bool(holiday))
    if exception is not None:
        is_open = exception.kind == ServiceCalendarException.Kind.OPEN
        return DayStatus(day, is_open, business_day, str(exception.reason))
    weekday = day.weekday()
    if weekday >= SATURDAY:
        return DayStatus(day, False, business_day, str(_("Saturday") if weekday == SATURDAY else _("Sunday")))
    if weekday == TUESDAY and (holiday or _is_year_end(day)):
        name = holiday or str(_("Year-end and New Year holidays"))
        return DayStatus(day, True, business_day, str(_("Tuesday holiday (%(name)s): open") % {"name": name}))
    if holiday:
        return DayStatus(day, False, business_day, holiday)
    if _is_year_end(day):
        return DayStatus(day, False, business_day, str(_("Year-end and New Year holidays")))
    return DayStatus(day, True, business_day, str(_("Business day")))


def statuses_between(first: dt.date, last: dt.date) -> list[DayStatus]:
    """Each day from `first` to `last` inclusive: open or not, business day or not, and why. One query."""
    exceptions = _exceptions_between(first, last)
    holidays = _holidays_between(first, last)
    return [_status(day, exceptions.get(day), holidays.get(day)) for day in _days(first, last)]


def day_status(day: dt.date) -> DayStatus:
    return statuses_between(day, day)[0]


def month_statuses(year: int, month: int) -> list[DayStatus]:
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ONE_DAY
    return statuses_between(first, last)


def is_open(at: dt.datetime | None = None) -> bool:
    local = timezone.localtime(at or timezone.now(), JST)
    return OPENS <= local.time() < CLOSES and day_status(local.date()).open


def next_opening(at: dt.datetime | None = None, *, horizon_days: int = 366) -> dt.datetime | None:
    """The next instant the window opens strictly after `at` (an aware datetime in JST)."""
    local = timezone.localtime(at or timezone.now(), JST)
    first = local.date()
    for status in statuses_between(first, first + dt.timedelta(days=horizon_days)):
        if not status.open:
            continue
        opening = dt.datetime.combine(status.date, OPENS, tzinfo=JST)
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
