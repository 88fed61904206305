"""The audit log: hash-chained, append-only in the database, verifiable, and safe under concurrent writers."""

import datetime as dt
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from capacity_market import audit, request_context
from capacity_market.models import AuditEntry

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


def _write_many(n: int) -> list[AuditEntry]:
    return [audit.record(action="test.step", actor_label=f"batch-{i}", after={"i": i}) for i in range(n)]


@pytest.fixture
def trigger_disabled():
    """Simulate a database superuser editing the table behind the application's back."""

    def run(sql: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER capacity_market_auditentry_append_only")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER capacity_market_auditentry_append_only")

    return run


# --- the chain -------------------------------------------------------------------------------------------------

def test_the_first_entry_links_to_the_genesis_hash_and_each_next_one_to_its_predecessor():
    first, second, third = _write_many(3)
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_the_chain_verifies_after_many_records():
    _write_many(300)
    result = audit.verify()
    assert result.ok
    assert result.count == 300


def test_an_empty_log_verifies():
    result = audit.verify()
    assert result.ok and result.count == 0


def test_values_survive_the_database_round_trip_unchanged_for_the_hash(operator_a, user_a):
    token = request_context.set_current(request_context.RequestContext(ip="2001:DB8:0:0::1", acting_for_id=7))
    try:
        audit.record(
            action="test.values",
            actor=user_a,
            target=operator_a,
            before={"yen": Decimal("1234.50"), "at": dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC),
                    "day": dt.date(2026, 11, 25), "kw": 1000, "name": "東北テスト電力", "none": None,
                    "nested": {"b": [1, 2, {"c": "ü"}], "a": True}},
            after={"float": 0.1, "big": 1e20, "one": 1.0, "tiny": 1e-7, "empty": {}, "list": [],
                   "quote": 'a "b" \\ c'},
        )
    finally:
        request_context.reset(token)
    audit.record(action="test.ipv4", actor_label="x")
    assert audit.verify().ok
    entry = AuditEntry.objects.get(action="test.values")
    assert entry.actor_id == user_a.pk
    assert entry.actor_label == "user-a"
    assert entry.operator_id == operator_a.pk  # taken from the actor when not given
    assert entry.acting_for_id == 7
    assert entry.target_type == "tenants.operator" and entry.target_id == str(operator_a.pk)
    assert entry.before["yen"] == "1234.50"


def test_an_anonymous_actor_is_recorded_by_label_only(client):
    from django.contrib.auth.models import AnonymousUser

    entry = audit.record(action="test.anonymous", actor=AnonymousUser(), actor_label="applicant@example.jp")
    assert entry.actor_id is None and entry.actor_label == "applicant@example.jp"


def test_the_request_ip_is_recorded(client, user_a, client_for):
    # RequestContextMiddleware sets the IP; a request that writes one entry shows it.
    from capacity_market.request_context import RequestContext, reset, set_current

    token = set_current(RequestContext(ip="192.0.2.10"))
    try:
        entry = audit.record(action="test.ip", actor=user_a)
    finally:
        reset(token)
    assert AuditEntry.objects.get(pk=entry.pk).ip == "192.0.2.10"


# --- append-only in the database ------------------------------------------------------------------------------

def test_updating_an_entry_through_the_orm_is_refused_by_the_database():
    entry = audit.record(action="test.original", actor_label="x")
    entry.action = "test.forged"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.forged")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.original"


def test_deleting_an_entry_through_the_orm_is_refused_by_the_database():
    entry = audit.record(action="test.kept", actor_label="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [f"UPDATE {TABLE} SET action = 'test.forged'", f"DELETE FROM {TABLE}",
     f"UPDATE {TABLE} SET after = '{{}}'::jsonb WHERE id > 0"],
)
def test_raw_sql_updates_and_deletes_are_refused_by_the_database(sql):
    _write_many(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 2
    assert audit.verify().ok


# --- tampering is detected ----------------------------------------------------------------------------------------

def test_an_altered_entry_is_reported_as_the_first_bad_one(trigger_disabled):
    entries = _write_many(5)
    trigger_disabled(f"UPDATE {TABLE} SET actor_label = 'someone-else' WHERE id = %s", [entries[2].pk])
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_id == entries[2].pk
    assert "hash" in result.problem


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(trigger_disabled):
    entries = _write_many(5)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.after = {"i": 999}
    new_hash = audit.compute_hash(forged.prev_hash, forged)
    trigger_disabled(f"UPDATE {TABLE} SET after = '{{\"i\": 999}}'::jsonb, hash = %s WHERE id = %s",
                     [new_hash, entries[1].pk])
    result = audit.verify()
    assert result.first_bad_id == entries[2].pk
    assert "link" in result.problem


def test_a_deleted_entry_is_detected_at_its_successor(trigger_disabled):
    entries = _write_many(5)
    trigger_disabled(f"DELETE FROM {TABLE} WHERE id = %s", [entries[3].pk])
    assert audit.verify().first_bad_id == entries[4].pk


def test_the_command_says_ok_with_the_count():
    _write_many(7)
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert out.getvalue().startswith("OK")
    assert "7" in out.getvalue()


def test_the_command_names_the_first_bad_entry_and_exits_1(trigger_disabled):
    entries = _write_many(4)
    trigger_disabled(f"UPDATE {TABLE} SET ip = '10.0.0.1' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit_log")
    assert failed.value.returncode == 1
    assert f"id={entries[1].pk}" in str(failed.value)


# --- concurrent writers ------------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_never_fork_the_chain():
    threads_n, per_thread = 4, 25
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(k: int):
        try:
            barrier.wait()
            for i in range(per_thread):
                audit.record(action="test.concurrent", actor_label=f"thread-{k}", after={"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEntry.objects.count() == threads_n * per_thread
    prev_hashes = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == len(set(prev_hashes)), "two entries share a predecessor: the chain forked"
    result = audit.verify()
    assert result.ok and result.count == threads_n * per_thread


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_written_in_a_rolled_back_transaction_leaves_no_gap_in_the_chain():
    audit.record(action="test.kept", actor_label="x")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.rolled_back", actor_label="x")
        raise RuntimeError
    audit.record(action="test.after", actor_label="x")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["test.kept", "test.after"]
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("given", "stored"),
    [("2001:DB8:0:0::1", "2001:db8::1"), ("::FFFF:0102:0304", "::ffff:1.2.3.4"), ("fe80::1%eth0", "fe80::1"),
     ("192.0.2.1", "192.0.2.1"), ("not-an-address", None), ("", None), (None, None)],
)
def test_ip_addresses_are_stored_in_the_databases_own_form(given, stored):
    token = request_context.set_current(request_context.RequestContext(ip=given))
    try:
        entry = audit.record(action="test.ip", actor_label="x")
    finally:
        request_context.reset(token)
    assert AuditEntry.objects.get(pk=entry.pk).ip == stored
    assert audit.verify().ok
