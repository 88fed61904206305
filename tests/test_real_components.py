"""The real components, proven end to end: a Celery worker consuming from a real Redis broker (and retrying a
failed e-mail through it), and a real SMTP conversation through notify() and Django's SMTP backend. The unit
suite runs tasks eagerly and e-mail in locmem; these tests show the production paths work too.

TEST_REDIS_URL (set by `make test` when a Redis answers on 127.0.0.1:6379) selects the broker. Without it
the Redis test is skipped on a developer's machine, and fails under CI=true, where it must run.
"""

import os
import smtplib
import socket
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.core import mail

from capacity_market import notifications, review
from capacity_market.celery import app as celery_app
from registration.models import OperatorApplication
from tests import factories
from tests.mail_backends import FlakyBackend

SET_PASSWORD = {"template": "accounts/email/set_password",
                "context": {"url": "https://cm.example.jp/accounts/password/set/x/y/", "reason": "reissue",
                            "hours": 24}}


def _worker_redis_url(url: str) -> str:
    """One Redis database per xdist worker (15, 14, ...): two workers' queue tests must not consume each other's
    tasks (a task run in the other process's test database would find nothing to do)."""
    if not url:
        return url
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 15)
    return urlunsplit(parts._replace(path=f"/{max(base - number, 0)}"))


REDIS_URL = _worker_redis_url(os.environ.get("TEST_REDIS_URL", ""))


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_broker(monkeypatch):
    if not REDIS_URL or not _redis_reachable(REDIS_URL):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must prove the queue against a real Redis: TEST_REDIS_URL is unset or unreachable")
        pytest.skip("no Redis for the queue test (set TEST_REDIS_URL)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    # The worker runs in a thread of the test process, on the test settings (no REDIS_URL, SITE_URL or mail
    # settings of production): its start-up guard would stop it. The guard has its own tests (test_startup.py).
    monkeypatch.setattr("capacity_market.startup.require_production_settings", lambda: None)
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    _reset_connection_pools()
    try:
        yield REDIS_URL
    finally:
        celery_app.conf.update(saved)
        _reset_connection_pools()


def _reset_connection_pools() -> None:
    """Drop pooled broker connections so the next publish uses the broker URL now configured.

    kombu keeps its pools in process-wide registries keyed by the broker URL: they are cleared too, or the next
    test would be handed the pool closed here ("Acquire on closed pool")."""
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_review_notice_goes_through_redis_to_a_real_worker_and_out_as_mail(redis_broker, settings, user_a):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    application = factories.OperatorApplicationFactory(
        operator=user_a.operator, kind="change", name="変更後テスト電力株式会社"
    )
    mail.outbox.clear()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        # submit() queues the notice on commit; the worker thread consumes it from Redis and sends it.
        review.submit(application=application, actor=user_a, expected_version=application.version)
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    assert OperatorApplication.objects.get(pk=application.pk).status == review.ReviewStatus.SUBMITTED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user_a.email]
    assert "容量市場システム" in mail.outbox[0].subject


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mail_the_relay_drops_is_retried_by_a_real_worker_through_redis(redis_broker, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    monkeypatch.setattr(FlakyBackend, "errors", [smtplib.SMTPServerDisconnected("Connection unexpectedly closed")])
    monkeypatch.setattr(FlakyBackend, "attempts", 0)
    monkeypatch.setattr(notifications, "RETRY_DELAY_SECONDS", 0)  # the back-off itself is a unit test's matter
    mail.outbox.clear()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        notifications.notify(recipients=[("operator@example.jp", "ja")], **SET_PASSWORD)  # autocommit: queued now
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    assert FlakyBackend.attempts == 2, "the first attempt failed, the retry went back through Redis and succeeded"
    assert [m.to for m in mail.outbox] == [["operator@example.jp"]]


class _Collector:
    """An SMTP server's message handler: answers each DATA with the next of `answers` (then 250) and keeps the
    messages it accepted."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.answers:
            return self.answers.pop(0)
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_notify_delivers_a_japanese_message_over_a_real_smtp_conversation_after_a_temporary_refusal(
        settings, caplog, django_capture_on_commit_callbacks):
    collector = _Collector(answers=["451 4.3.0 Try again later"])
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    controller.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queued = notifications.notify(recipients=[("operator@example.jp", "ja")], **SET_PASSWORD)
    finally:
        controller.stop()
    assert queued == 1
    assert "E-mail failed (attempt 1 of 7)" in caplog.text and "451" in caplog.text
    assert len(collector.messages) == 1, "the relay's 451 was retried and the second attempt delivered"
    sender, recipients, content = collector.messages[0]
    assert recipients == ["operator@example.jp"]
    assert sender == "no-reply@capacity-market.example"
    message = message_from_bytes(content)
    assert str(make_header(decode_header(message["Subject"]))) == "【容量市場システム】パスワードが再発行されました"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "パスワードが再発行されました。" in body and "https://cm.example.jp/accounts/password/set/x/y/" in body


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clearing_started_in_the_system_runs_in_a_real_worker_through_redis(redis_broker, settings, operator_a,
                                                                             user_a, occto_admin):
    """The OCCTO administrator's clearing is queued on commit, consumed from Redis by a worker and stored: the
    domain.md §10 toy case gives 12,000 yen/kW and 10,200,000 yen."""
    from auctions.clearing import services as clearing_service
    from auctions.models import ClearingOutcome, ClearingRun
    from auctions.tests.clearing_db import toy_auction

    settings.CELERY_TASK_ALWAYS_EAGER = False
    auction, _bids = toy_auction(operator_a, user_a)
    clearing_service.close_bids(auction=auction, actor=occto_admin)
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        run = clearing_service.start_clearing(auction=auction, actor=occto_admin, seed="real-worker")
        deadline = time.monotonic() + 20
        while ClearingRun.objects.get(pk=run.pk).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
    run = ClearingRun.objects.get(pk=run.pk)
    assert run.status == "succeeded", run.error
    assert (run.national_price, run.total_amount_yen, run.progress) == (12_000, 10_200_000, 100)
    assert sorted(ClearingOutcome.objects.filter(run=run).values_list("awarded_kw", flat=True)) == [0, 100, 100,
                                                                                                      150, 500]
