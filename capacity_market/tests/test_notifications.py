"""notify(): the one e-mail path. Each recipient in their language, queued on commit, sent by a Celery task
that retries transient SMTP errors and logs what it finally cannot send."""

import json
import logging
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from capacity_market import notifications, tasks
from capacity_market.notifications import notify
from tests import factories
from tests.mail_backends import FlakyBackend

pytestmark = pytest.mark.django_db

TEMPLATE = "accounts/email/set_password"  # a real template whose subject differs by language
CONTEXT = {"url": "https://cm.example.jp/accounts/password/set/x/y/", "reason": "user_id", "hours": 24}
JA_SUBJECT = "【容量市場システム】ユーザIDが発行されました"
EN_SUBJECT = "[Capacity Market System] Your user ID has been issued"


@pytest.fixture
def flaky(settings):
    """The mail backend fails with the errors put in the list, one per attempt, then delivers."""
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    FlakyBackend.errors, FlakyBackend.attempts = [], 0
    yield FlakyBackend.errors
    FlakyBackend.errors.clear()


@pytest.fixture
def failures(monkeypatch):
    """The (reference, error) pairs the failure handlers were told of."""
    seen = []
    monkeypatch.setattr(notifications, "_failure_handlers", [lambda reference, error: seen.append((reference, error))])
    return seen


def send(django_capture_on_commit_callbacks, **kwargs) -> int:
    """notify() in a transaction that commits."""
    with django_capture_on_commit_callbacks(execute=True):
        return notify(**{"template": TEMPLATE, "context": CONTEXT, **kwargs})


# --- language and recipients -----------------------------------------------------------------------------------
def test_one_call_mails_each_recipient_in_their_own_language(django_capture_on_commit_callbacks):
    japanese = factories.OperatorUserFactory(language="ja", email="ja@example.jp", full_name="山田 太郎")

    queued = send(django_capture_on_commit_callbacks, recipients=[japanese, ("en@example.jp", "en")])

    assert queued == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["ja@example.jp"].subject == JA_SUBJECT
    assert by_address["en@example.jp"].subject == EN_SUBJECT
    assert "山田 太郎" in by_address["ja@example.jp"].body, "a user recipient is the template's `user`"
    assert CONTEXT["url"] in by_address["en@example.jp"].body
    assert by_address["en@example.jp"].from_email == "容量市場システム <no-reply@capacity-market.example>"


def test_an_address_given_twice_gets_one_mail_and_a_recipient_without_one_gets_none(
        django_capture_on_commit_callbacks):
    user = factories.OperatorUserFactory(language="en", email="Tanaka@Example.jp")
    no_address = factories.OperatorUserFactory(email="")

    queued = send(django_capture_on_commit_callbacks,
                  recipients=[user, ("tanaka@example.jp", "ja"), no_address, ("", "ja"), (None, "en")])

    assert queued == 1
    [message] = mail.outbox
    assert message.to == ["Tanaka@Example.jp"] and message.subject == EN_SUBJECT, "the first one given wins"


def test_an_unknown_language_falls_back_to_japanese(django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks, recipients=[("fr@example.jp", "fr"), ("none@example.jp", None)])
    assert [m.subject for m in mail.outbox] == [JA_SUBJECT, JA_SUBJECT]


def test_the_context_may_not_name_a_user_since_each_recipient_is_the_user():
    with pytest.raises(ValueError, match="user"):
        notify(template=TEMPLATE, recipients=[("a@example.jp", "ja")], context={"user": object()})


# --- the transaction ---------------------------------------------------------------------------------------------
def test_one_task_per_mail_is_queued_on_commit_and_nothing_is_sent_before(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(template=TEMPLATE, recipients=[("a@example.jp", "ja"), ("b@example.jp", "en")], context=CONTEXT)

    assert mail.outbox == []
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.jp", "b@example.jp"]


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        notify(template=TEMPLATE, recipients=[("a@example.jp", "ja")], context=CONTEXT)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert mail.outbox == []


def test_the_task_gets_the_rendered_message_as_json_and_the_broker_never_shows_the_body(
        monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.send_notification, "apply_async", lambda **options: queued.append(options))

    send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "en")], reference={"notice_delivery": 3})

    [options] = queued
    message = json.loads(json.dumps(options["kwargs"]["message"]))
    assert message == {"template": TEMPLATE, "to": "a@example.jp", "language": "en", "subject": EN_SUBJECT,
                       "body": message["body"], "reference": {"notice_delivery": 3}}
    assert CONTEXT["url"] in message["body"]
    assert options["kwargsrepr"] == f"{TEMPLATE} to a@example.jp (en)"


def test_a_broker_failure_is_logged_and_never_raised_into_the_committed_request(
        monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broker_down(**options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_notification, "apply_async", broker_down)

    with caplog.at_level(logging.ERROR, logger="capacity_market.notifications"):
        send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "ja")])

    assert mail.outbox == []
    assert f"E-mail NOT QUEUED (the broker refused it; not retried): {TEMPLATE} to a@example.jp (ja)" in caplog.text


# --- sending and retrying ------------------------------------------------------------------------------------------
def test_a_dropped_smtp_connection_is_retried_and_the_mail_goes_out(flaky, caplog,
                                                                     django_capture_on_commit_callbacks):
    flaky.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    with caplog.at_level(logging.INFO, logger="capacity_market.notifications"):
        send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "ja")])

    assert FlakyBackend.attempts == 2
    [message] = mail.outbox
    assert message.subject == JA_SUBJECT
    assert "E-mail failed (attempt 1 of 7), retrying in 0 s" in caplog.text  # at once: run in-process
    assert f"E-mail sent: {TEMPLATE} to a@example.jp (ja)" in caplog.text


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(111, "Connection refused"),
    TimeoutError("timed out"),
    smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    smtplib.SMTPRecipientsRefused({"a@example.jp": (450, b"4.2.1 Mailbox busy")}),
])
def test_every_transient_error_is_retried(flaky, error, django_capture_on_commit_callbacks):
    flaky.append(error)
    send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "ja")])
    assert FlakyBackend.attempts == 2 and len(mail.outbox) == 1


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_retry_and_logged(
        flaky, failures, caplog, django_capture_on_commit_callbacks):
    flaky.extend(ConnectionRefusedError(111, "Connection refused") for _ in range(notifications.MAX_RETRIES + 5))

    with caplog.at_level(logging.WARNING, logger="capacity_market.notifications"):
        queued = send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "ja")],
                      reference={"notice_delivery": 7})

    assert queued == 1 and mail.outbox == []
    assert FlakyBackend.attempts == notifications.MAX_RETRIES + 1 == 7
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        f"E-mail NOT SENT after 7 attempt(s): {TEMPLATE} to a@example.jp (ja), subject '{JA_SUBJECT}': "
        "ConnectionRefusedError(111, 'Connection refused')"
    ]
    assert failures == [({"notice_delivery": 7}, "ConnectionRefusedError(111, 'Connection refused')")]


def test_an_address_the_relay_refuses_for_good_is_not_retried(flaky, failures, django_capture_on_commit_callbacks):
    flaky.append(smtplib.SMTPRecipientsRefused({"nobody@example.jp": (550, b"5.1.1 No such user")}))

    send(django_capture_on_commit_callbacks, recipients=[("nobody@example.jp", "ja")], reference={"x": 1})

    assert FlakyBackend.attempts == 1 and mail.outbox == []
    assert failures[0][0] == {"x": 1} and "No such user" in failures[0][1]


def test_a_failure_without_a_reference_is_only_logged(flaky, failures, django_capture_on_commit_callbacks):
    flaky.append(smtplib.SMTPRecipientsRefused({"nobody@example.jp": (550, b"5.1.1 No such user")}))
    send(django_capture_on_commit_callbacks, recipients=[("nobody@example.jp", "ja")])
    assert failures == []


def test_a_failing_failure_handler_does_not_stop_the_others(monkeypatch, flaky, django_capture_on_commit_callbacks):
    told = []

    def broken(reference, error):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(notifications, "_failure_handlers", [broken, lambda reference, error: told.append(reference)])
    flaky.append(smtplib.SMTPRecipientsRefused({"nobody@example.jp": (550, b"5.1.1 No such user")}))

    send(django_capture_on_commit_callbacks, recipients=[("nobody@example.jp", "ja")], reference={"x": 2})

    assert told == [{"x": 2}]


def test_the_retry_delays_double_from_30_seconds_up_to_15_minutes():
    assert [notifications.retry_delay(n) for n in range(notifications.MAX_RETRIES)] == [30, 60, 120, 240, 480, 900]
    assert notifications.retry_delay(20) == 900


def test_a_programming_error_is_not_retried(flaky, django_capture_on_commit_callbacks):
    flaky.append(ValueError("bad header"))
    send(django_capture_on_commit_callbacks, recipients=[("a@example.jp", "ja")])
    assert FlakyBackend.attempts == 1 and mail.outbox == []
