"""Auction schedule services: deadline reminders sent a number of business days (営業日) before each deadline."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from capacity_market import audit, service_window
from capacity_market.notifications import notify

from ..models import (
    DEADLINE_FIELDS,
    Auction,
    SentReminder,
)
from . import phases


# --- deadline reminders -------------------------------------------------------------------------------------------
def reminder_recipients():
    """Active users of active operators (each e-mailed in their own language)."""
    return (User.objects.filter(is_active=True, operator__isnull=False, operator__is_active=True)
            .exclude(email="").order_by("pk"))


def _queue_reminder(*, auction: Auction, deadline: str, recipients) -> int:
    """E-mail the reminder of one deadline to `recipients`, each in their language, once the transaction
    commits. Returns the number of e-mails."""
    return notify(template="auctions/email/reminder", recipients=recipients, context={
        "auction": auction,
        "deadline_label": auction._meta.get_field(deadline).verbose_name,
        "deadline_at": timezone.localtime(getattr(auction, deadline), phases.JST),
        "url": settings.SITE_URL.rstrip("/") + reverse("auctions:detail", kwargs={"pk": auction.pk}),
    })


def due_reminders(*, today: dt.date, business_days: int) -> list[tuple[Auction, str]]:
    """(auction, deadline field) whose deadline is exactly `business_days` business days after `today` (JST).

    Business days (営業日) are those of `service_window.business_days`: a holiday Tuesday or a year-end day is
    not one, even though the service is open, and OCCTO's calendar exceptions do not move them. A deadline on a
    day that is not a business day counts like the business day before it: it is due when the business days after
    today up to its date are exactly N. No query for the calendar; one per deadline field."""
    first = service_window.nth_business_day_after(today, business_days)
    following = service_window.nth_business_day_after(today, business_days + 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=phases.JST)
    end = dt.datetime.combine(following, dt.time.min, tzinfo=phases.JST)
    due = []
    for name in DEADLINE_FIELDS:
        for auction in Auction.objects.filter(**{f"{name}__gte": start, f"{name}__lt": end}).order_by("pk"):
            due.append((auction, name))
    return due


def send_deadline_reminders(*, now: dt.datetime | None = None, business_days: int | None = None) -> int:
    """E-mail every active operator user about each deadline exactly N business days ahead, once per deadline.

    Returns the number of e-mails queued. A `SentReminder` row per (auction, deadline, instant) makes a second run
    send nothing; the e-mails are queued on the commit of that row (`notifications.notify`), and the mail task
    retries a failed send."""
    now = now or timezone.now()
    n = settings.AUCTION_REMINDER_BUSINESS_DAYS if business_days is None else business_days
    sent = 0
    for auction, deadline in due_reminders(today=phases.jst_date(now), business_days=n):
        try:
            with transaction.atomic():
                reminder, created = SentReminder.objects.get_or_create(
                    auction=auction, deadline=deadline, deadline_at=getattr(auction, deadline))
                if not created:
                    continue
                queued = _queue_reminder(auction=auction, deadline=deadline, recipients=reminder_recipients())
                reminder.recipient_count = queued
                reminder.save(update_fields=["recipient_count"])
                audit.record(action="auctions.reminder_sent", actor=None, actor_label="celery", target=auction,
                             after={"deadline": deadline, "deadline_at": getattr(auction, deadline),
                                    "recipients": queued})
                sent += queued
        except IntegrityError:
            continue  # another run took this reminder meanwhile
    return sent
