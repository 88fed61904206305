"""The one way the system sends e-mail (architecture.md §3): `notify()`.

`notify()` renders `<template>_subject.txt` and `<template>_body.txt` for each recipient in that recipient's
language, at call time: inside the caller's transaction, so the mail tells what the caller has just written
(a review comment, a receipt's bids, a one-time link). It queues one Celery task per message with
`transaction.on_commit(..., robust=True)`: a rolled-back change sends nothing, and neither the broker nor the
mail relay can turn a committed change into an error page.

The task (`capacity_market.tasks.send_notification`) carries the rendered message, no model: it hands it to
Django's mail backend and retries transient failures (`smtplib.SMTPException`, `OSError`: refused or dropped
connections, time-outs) with back-off, up to `MAX_RETRIES` times. A message that still fails, or whose address
the relay refuses for good (5xx), is logged as an error and reported to the failure handlers
(`register_failure_handler`), with the `reference` its `notify()` call gave.

Nothing else sends mail: `tests/test_mail_path.py` fails if project code outside this module uses Django's mail
API, and the test suite's mail backend refuses a message that did not come through `deliver()`.
"""

import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import hooks

logger = logging.getLogger(__name__)

# Retries of one message: after 30 s, 1, 2, 4, 8 and 15 minutes, about half an hour in all.
MAX_RETRIES = 6
RETRY_DELAY_SECONDS = 30
RETRY_DELAY_MAX_SECONDS = 15 * 60
# Failures worth another try: SMTP errors (a 4xx answer, a dropped conversation) and network errors
# (ConnectionError and TimeoutError are OSErrors).
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)

_failure_handlers: list[Callable[[Mapping, str], None]] = []

# The one subject prefix of every mail (【容量市場システム】 in Japanese): added here, never in a template.
SUBJECT_FORMAT = _("[Capacity Market System] %(subject)s")


def notify(*, template: str, recipients: Iterable, context: Mapping[str, Any] | None = None,
           reference: Mapping[str, Any] | None = None) -> int:
    """E-mail `recipients` the message `template`, each in their language, once the transaction commits.

    `template`: the path without the suffix, e.g. "auctions/email/bid_receipt" for
    `auctions/email/bid_receipt_subject.txt` and `..._body.txt` (plain text: use `{% autoescape off %}`).
    `recipients`: users (their `email` and `language`) and/or (email, language) pairs. An address given twice
    (ignoring case) gets one message, in the language it came with first; a recipient without an address
    gets none. `context`: the template context, shared by every recipient. Each rendering adds `user` (the
    recipient when it is a user, else None) and `site_url`. `reference`: JSON-serialisable data handed back
    to the failure handlers if a message cannot be sent (e.g. {"notice_delivery": 12}).

    Call it inside the transaction of the change the mail tells about. Returns the number of messages queued.
    """
    context = dict(context or {})
    if "user" in context:
        raise ValueError("notify() sets `user` to each recipient; give other names to other users")
    messages = []
    for email, language, user in _addressees(recipients):
        subject, body = render(template=template, language=language,
                               context={**context, "user": user, "site_url": settings.SITE_URL})
        messages.append({"template": template, "to": email, "language": language, "subject": subject,
                         "body": body, "reference": dict(reference) if reference else None})
    for message in messages:
        transaction.on_commit(partial(_enqueue, message), robust=True)
    return len(messages)


def render(*, template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject on one line, body) of `template` in `language`; times in the site's zone (the mails say JST).
    The subject template gives the subject proper; the system's prefix (SUBJECT_FORMAT) is added here, once."""
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
        subject = gettext(SUBJECT_FORMAT) % {"subject": " ".join(subject.split())}
    return subject, body


def register_failure_handler(func: Callable[[Mapping, str], None]) -> Callable:
    """Call `func(reference, error)` for each message that could not be sent (after its retries) and whose
    `notify()` call gave a `reference`. Register from `AppConfig.ready()`; a handler ignores references that
    are not its own."""
    return hooks.register(_failure_handlers, func)


# --- recipients ---------------------------------------------------------------------------------------------------
def _addressees(recipients: Iterable) -> list[tuple[str, str, Any]]:
    """(email, language, user or None) per distinct address, in the order given."""
    seen: set[str] = set()
    result = []
    for recipient in recipients:
        if isinstance(recipient, tuple | list):
            email, language = recipient
            user = None
        else:
            email, language, user = recipient.email, getattr(recipient, "language", ""), recipient
        email = (email or "").strip()
        if not email or email.casefold() in seen:
            continue
        seen.add(email.casefold())
        result.append((email, _supported(language), user))
    return result


def _supported(language: str | None) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# --- queueing and sending (the Celery task's side) -------------------------------------------------------------------
def describe(message: Mapping) -> str:
    """What the logs and the broker show of a message: never its body (it may hold a one-time link)."""
    return f"{message['template']} to {message['to']} ({message['language']})"


def _enqueue(message: dict) -> None:
    from .tasks import send_notification

    try:
        send_notification.apply_async(kwargs={"message": message}, kwargsrepr=describe(message))
    except Exception:
        logger.exception("E-mail NOT QUEUED (the broker refused it; not retried): %s", describe(message))


def deliver(message: Mapping) -> int:
    """Hand one rendered message to Django's mail backend (settings.EMAIL_BACKEND). Raises on failure."""
    sent = EmailMessage(subject=message["subject"], body=message["body"], to=[message["to"]]).send()
    logger.info("E-mail sent: %s", describe(message))
    return sent


def should_retry(exc: Exception, *, retries: int) -> bool:
    """Whether a failed send is tried again: a transient error, not yet retried MAX_RETRIES times, and not a
    refusal of the address for good (every refused recipient answered 5xx)."""
    if not isinstance(exc, TRANSIENT_ERRORS) or retries >= MAX_RETRIES:
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return not all(code >= 500 for code, _text in exc.recipients.values())
    return True


def retry_delay(retries: int) -> int:
    """Seconds before retry number `retries` + 1: doubling from RETRY_DELAY_SECONDS, capped."""
    return min(RETRY_DELAY_SECONDS * 2**retries, RETRY_DELAY_MAX_SECONDS)


def log_retry(message: Mapping, exc: Exception, *, attempt: int, delay: int) -> None:
    logger.warning("E-mail failed (attempt %d of %d), retrying in %d s: %s: %r",
                   attempt, MAX_RETRIES + 1, delay, describe(message), exc)


def give_up(message: Mapping, exc: Exception, *, attempts: int) -> None:
    """Log a message that will not be sent and tell the failure handlers."""
    logger.error("E-mail NOT SENT after %d attempt(s): %s, subject %r: %r",
                 attempts, describe(message), message["subject"], exc)
    if not message.get("reference"):
        return
    for handler in _failure_handlers:
        try:
            handler(message["reference"], repr(exc))
        except Exception:
            logger.exception("E-mail failure handler %r failed for %s", handler, describe(message))
