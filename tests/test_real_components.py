"""The real components, proven end to end: a Celery worker consuming from a real Redis broker, and a real
SMTP conversation through Django's SMTP backend. The unit suite runs tasks eagerly and e-mail in locmem;
these tests show the production paths work too.

TEST_REDIS_URL (set by `make test` when a Redis answers on 127.0.0.1:6379) selects the broker. Without it
the Redis test is skipped on a developer's machine, and fails under CI=true, where it must run.
"""

import os
import socket
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail import get_connection

from capacity_market import review
from capacity_market.celery import app as celery_app
from registration.models import OperatorApplication
from tests import factories


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


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_django_smtp_backend_delivers_a_japanese_message_over_a_real_smtp_conversation():
    collector = _Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port, use_tls=False, timeout=5
        )
        sent = mail.send_mail("審査結果のお知らせ", "承認されました。", "no-reply@capacity-market.example",
                              ["operator@example.jp"], connection=connection)
    finally:
        controller.stop()
    assert sent == 1
    assert len(collector.messages) == 1
    sender, recipients, content = collector.messages[0]
    assert recipients == ["operator@example.jp"]
    assert sender == "no-reply@capacity-market.example"
    from email import message_from_bytes
    from email.header import decode_header, make_header

    message = message_from_bytes(content)
    assert str(make_header(decode_header(message["Subject"]))) == "審査結果のお知らせ"
    assert "承認されました。" in message.get_payload(decode=True).decode(message.get_content_charset())


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clearing_started_in_the_system_runs_in_a_real_worker_through_redis(redis_broker, settings, operator_a,
                                                                             user_a, occto_admin):
    """The OCCTO administrator's clearing is queued on commit, consumed from Redis by a worker and stored: the
    domain.md §10 toy case gives 12,000 yen/kW and 10,200,000 yen."""
    from auctions import clearing_service
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
