"""An auction's phase state, derived from the clock and the service window (never stored).

A window (registration, expected capacity, bids) is open at `now` when `opens ≤ now < closes` by the clock AND
the service window of 利用規約 2.2 is open (when it is enforced). The closing instant itself is closed, like the
service window's 18:00:00. Business days (営業日) live in the calendar module, `capacity_market.service_window`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from capacity_market import service_window
from capacity_market.service_window import JST

from ..models import DEADLINE_FIELDS, Auction

STAGES = {
    "upcoming": _("Before registration"),
    "registration": _("Registration window open"),
    "waiting_for_bids": _("Registration closed; bids not yet open"),
    "bidding": _("Bid window open"),
    "clearing": _("Clearing"),
    "published": _("Results published"),
    "contracted": _("Contracts concluded"),
}


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    at: dt.datetime
    is_deadline: bool
    is_past: bool
    is_next_deadline: bool = False


@dataclass(frozen=True)
class PhaseState:
    now: dt.datetime
    service_open: bool
    registration_by_clock: bool
    expected_capacity_by_clock: bool
    bid_by_clock: bool
    stage: str
    phases: list[Phase] = field(default_factory=list)

    @property
    def registration_open(self) -> bool:
        return self.registration_by_clock and self.service_open

    @property
    def expected_capacity_open(self) -> bool:
        return self.expected_capacity_by_clock and self.service_open

    @property
    def bid_open(self) -> bool:
        return self.bid_by_clock and self.service_open

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    @property
    def next_deadline(self) -> Phase | None:
        return next((p for p in self.phases if p.is_next_deadline), None)

    @property
    def open_windows(self) -> list[str]:
        """Labels of the windows open now (by the clock and the service window)."""
        names = []
        if self.registration_open:
            names.append(str(_("Registration")))
        if self.expected_capacity_open:
            names.append(str(_("Expected capacity")))
        if self.bid_open:
            names.append(str(_("Bids")))
        return names

    @property
    def open_windows_label(self) -> str:
        """The open windows as one label: 「登録・期待容量」 in Japanese, "Registration, expected capacity" in English
        (a list of short nouns is joined with 「・」 in Japanese only; after the first, English nouns are lower case)."""
        names = self.open_windows
        if not names:
            return ""
        separator = pgettext("joins a list of short nouns", ", ")
        return separator.join([names[0], *(name[:1].lower() + name[1:] if separator == ", " else name
                                           for name in names[1:])])

    @property
    def closed_by_service_window(self) -> bool:
        """A window is open by the clock but the service window is closed now."""
        return not self.service_open and (self.registration_by_clock or self.expected_capacity_by_clock
                                          or self.bid_by_clock)


def service_window_open(now: dt.datetime | None = None) -> bool:
    """Whether operator functions are available at `now` (always, when the service window is not enforced)."""
    return not service_window.enforced() or service_window.is_open(now)


def phase_state(auction: Auction, now: dt.datetime | None = None, *, service_open: bool | None = None) -> PhaseState:
    """The windows open at `now` and what is due next. Pass `service_open` to share one look-up over many auctions."""
    now = now or timezone.now()
    if service_open is None:
        service_open = service_window_open(now)
    a = auction
    if now < a.registration_opens_at:
        stage = "upcoming"
    elif now < a.registration_closes_at:
        stage = "registration"
    elif now < a.bid_opens_at:
        stage = "waiting_for_bids"
    elif now < a.bid_closes_at:
        stage = "bidding"
    elif now < a.publication_at:
        stage = "clearing"
    elif now < a.contract_conclusion_at:
        stage = "published"
    else:
        stage = "contracted"
    # Results are published by OCCTO's explicit step, not by the date: when the auction was loaded with
    # `results_published` (auctions.schedule.selectors), the stage between the bid close and the contract says what happened.
    published = getattr(a, "results_published", None)
    if published is not None and stage in ("clearing", "published"):
        stage = "published" if published else "clearing"
    next_deadline_key = next(
        (name for name, _label, at in sorted(
            ((n, lbl, at) for n, lbl, at in a.phases() if n in DEADLINE_FIELDS), key=lambda row: row[2])
         if at > now),
        None,
    )
    phases = [Phase(key=name, label=label, at=at, is_deadline=name in DEADLINE_FIELDS, is_past=at <= now,
                    is_next_deadline=name == next_deadline_key)
              for name, label, at in a.phases()]
    return PhaseState(
        now=now,
        service_open=service_open,
        registration_by_clock=a.registration_opens_at <= now < a.registration_closes_at,
        expected_capacity_by_clock=a.registration_opens_at <= now < min(a.expected_capacity_deadline,
                                                                        a.registration_closes_at),
        bid_by_clock=a.bid_opens_at <= now < a.bid_closes_at,
        stage=stage,
        phases=phases,
    )


def jst_date(instant: dt.datetime) -> dt.date:
    return timezone.localtime(instant, JST).date()
