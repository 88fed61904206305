"""CSV import jobs a dead worker or a lost task left running are released (bulk_import.recover_stalled), and a job
is imported once however often its task is delivered (run() claims it under a row lock).

The jobs are resource CSV files (registration's spec) processed "in the background" through the `broker` fixture:
a queue nobody consumes, which is what a lost task or a worker killed before it started looks like; a test delivers
a task by calling `bulk_import.run(job_id)` as the worker would.
"""

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from capacity_market import audit, bulk_import, tasks
from capacity_market.models import AuditEntry, ImportJob
from registration.models import ResourceApplication
from registration.resource_import import SPEC
from registration.tests.test_resource_import import csv_bytes, resource_row

S = ImportJob.Status
# The audit actions of a job's moves (`ImportJob.states`): "capacity_market.importjob.<status>".
TO_VALID, TO_IMPORTING, TO_DONE, TO_FAILED = (f"capacity_market.importjob.{s}" for s in ("valid", "importing",
                                                                                          "done", "failed"))
ROWS = 3
INTERRUPTED_JA = "登録処理が中断されました"
CHECK_INTERRUPTED_JA = "ファイルの確認処理が中断されました"


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.fixture
def broker(monkeypatch) -> list[int]:
    """The resource import task's queue, which no worker consumes: a test delivers what it holds by calling
    `bulk_import.run` itself, or never (a lost task, a worker that died)."""
    queued: list[int] = []
    monkeypatch.setattr(type(SPEC), "task", SimpleNamespace(delay=queued.append))
    return queued


def uploaded_job(user, settings, *, background: bool) -> ImportJob:
    """A job of ROWS resources: checked inline (valid), or `background` (its check is queued: validating)."""
    settings.BULK_IMPORT_BACKGROUND_ROWS = 1 if background else 300
    return bulk_import.start(spec=SPEC, user=user, operator_id=user.operator_id,
                             uploaded=SimpleUploadedFile("r.csv", csv_bytes([resource_row() for _ in range(ROWS)])))


def importing_job(user, settings) -> ImportJob:
    """A checked job its user confirmed, whose import task is queued but not run (importing, row not locked)."""
    job = uploaded_job(user, settings, background=False)
    assert job.status == S.VALID, job.errors
    settings.BULK_IMPORT_BACKGROUND_ROWS = 1
    job = bulk_import.confirm(job=job, user=user)
    assert job.status == S.IMPORTING
    return job


def audit_actions(job) -> list[str]:
    return list(AuditEntry.objects.filter(target_type="capacity_market.importjob", target_id=str(job.pk))
                .order_by("id").values_list("action", flat=True))


def job_url(job) -> str:
    return reverse("registration:resource_import_job", args=[job.pk])


@pytest.mark.django_db
def test_a_stalled_import_goes_back_to_valid_and_is_imported_once_when_confirmed_again(
        client_for, user_a, settings, broker):
    job = importing_job(user_a, settings)

    assert bulk_import.recover_stalled(now=later(31)) == 1

    job.refresh_from_db()
    assert (job.status, job.errors, job.processed_rows) == (S.VALID, [], ROWS)
    assert not ResourceApplication.objects.exists()
    entry = AuditEntry.objects.get(action=TO_VALID, before__status="importing")
    assert (entry.actor_id, entry.actor_label, entry.operator_id) == (None, "celery", user_a.operator_id)
    assert (entry.before["status"], entry.after["status"]) == ("importing", "valid")
    assert INTERRUPTED_JA in entry.after["message"]
    assert bulk_import.recover_stalled(now=later(31)) == 0  # nothing left to release

    client = client_for(user_a)
    page = client.get(job_url(job)).content.decode()
    assert 'id="import-interrupted"' in page and INTERRUPTED_JA in page and "JST に中断" in page
    assert "<form method=\"post\">" in page  # the confirm button is still there
    client.post(job_url(job))
    assert ImportJob.objects.get(pk=job.pk).status == S.IMPORTING
    bulk_import.run(job.pk)  # the worker runs the task of the second confirmation
    job.refresh_from_db()
    assert job.status == S.DONE and job.imported_count == ROWS
    assert 'id="import-interrupted"' not in client.get(job_url(job)).content.decode()

    bulk_import.run(job.pk)  # the lost task of the first confirmation turns up after all: nothing happens
    assert ResourceApplication.objects.filter(import_job=job).count() == ROWS
    # Uploaded and checked inline (valid), confirmed, released by the beat task, confirmed again, imported.
    assert audit_actions(job) == ["bulk_import.uploaded", TO_VALID, TO_IMPORTING, TO_VALID, TO_IMPORTING, TO_DONE]
    assert audit.verify().ok


@pytest.mark.django_db
def test_a_never_interrupted_valid_job_has_no_note(client_for, user_a, settings, broker):
    job = uploaded_job(user_a, settings, background=False)
    assert job.status == S.VALID
    page = client_for(user_a).get(job_url(job)).content.decode()
    assert 'id="import-interrupted"' not in page and INTERRUPTED_JA not in page


@pytest.mark.django_db
def test_young_jobs_are_left_alone_and_the_threshold_is_a_setting(user_a, settings, broker):
    importing = importing_job(user_a, settings)
    validating = uploaded_job(user_a, settings, background=True)
    assert validating.status == S.VALIDATING

    assert bulk_import.recover_stalled(now=later(29)) == 0
    assert bulk_import.recover_stalled() == 0
    settings.BULK_IMPORT_STALLED_MINUTES = 10
    assert bulk_import.recover_stalled(now=later(9)) == 0
    assert dict(ImportJob.objects.values_list("pk", "status")) == {importing.pk: S.IMPORTING,
                                                                   validating.pk: S.VALIDATING}
    assert not AuditEntry.objects.filter(actor_label="celery").exists()

    assert bulk_import.recover_stalled(now=later(11)) == 2


@pytest.mark.django_db
def test_a_stalled_check_fails_with_a_message_and_a_late_task_leaves_it_failed(
        client_for, user_a, settings, broker):
    job = uploaded_job(user_a, settings, background=True)
    assert job.status == S.VALIDATING

    assert bulk_import.recover_stalled(now=later(31)) == 1

    job.refresh_from_db()
    assert job.status == S.FAILED and job.finished_at is not None
    [error] = job.errors
    assert CHECK_INTERRUPTED_JA in error["message"] and "アップロードしてください" in error["message"]
    entry = AuditEntry.objects.get(action=TO_FAILED)
    assert (entry.actor_id, entry.actor_label, entry.before["status"]) == (None, "celery", "validating")
    assert entry.after["status"] == "failed" and CHECK_INTERRUPTED_JA in entry.after["message"]
    page = client_for(user_a).get(job_url(job)).content.decode()
    assert CHECK_INTERRUPTED_JA in page and "<progress" not in page

    bulk_import.run(job.pk)  # the validation task arrives late: the job stays failed
    job.refresh_from_db()
    assert job.status == S.FAILED and [e["message"] for e in job.errors] == [error["message"]]


@pytest.mark.django_db
def test_a_validation_finishing_after_the_job_was_failed_does_not_revive_it(
        user_a, settings, broker, monkeypatch):
    job = uploaded_job(user_a, settings, background=True)
    validate = type(SPEC).validate

    def slow_validate(self, rows, *, job, progress):  # the beat task runs while the worker is still checking
        assert bulk_import.recover_stalled(now=later(31)) == 1
        return validate(self, rows, job=job, progress=progress)

    monkeypatch.setattr(type(SPEC), "validate", slow_validate)
    bulk_import.run(job.pk)
    job.refresh_from_db()
    assert job.status == S.FAILED and CHECK_INTERRUPTED_JA in job.errors[0]["message"]


@pytest.mark.django_db
def test_a_task_delivered_twice_imports_once(user_a, settings, broker):
    job = importing_job(user_a, settings)
    bulk_import.run(job.pk)
    bulk_import.run(job.pk)
    job.refresh_from_db()
    assert job.status == S.DONE and job.imported_count == ROWS
    assert ResourceApplication.objects.filter(import_job=job).count() == ROWS
    assert audit_actions(job).count(TO_DONE) == 1


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_recovery_task_every_five_minutes(user_a, settings, broker):
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.recover_stalled_imports.name]
    assert isinstance(entry["schedule"], crontab) and entry["schedule"].minute == set(range(0, 60, 5))
    assert entry["schedule"].hour == set(range(24))

    job = importing_job(user_a, settings)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=31))
    assert tasks.recover_stalled_imports.delay().get() == 1
    job.refresh_from_db()
    assert job.status == S.VALID


def test_the_stalled_threshold_defaults_to_30_minutes():
    assert django_settings.BULK_IMPORT_STALLED_MINUTES == 30


# --- with real concurrent connections ------------------------------------------------------------------------

def _in_thread(target, *args):
    errors: list[BaseException] = []

    def body():
        try:
            target(*args)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_whose_row_is_locked_by_a_running_import_is_left_alone(user_a, settings, broker):
    job = importing_job(user_a, settings)
    locked, release = threading.Event(), threading.Event()

    def running_import():  # holds the row lock as `run()` does while it imports
        with transaction.atomic():
            ImportJob.objects.select_for_update().get(pk=job.pk)
            locked.set()
            assert release.wait(30)

    thread, errors = _in_thread(running_import)
    try:
        assert locked.wait(30)
        assert bulk_import.recover_stalled(now=later(31)) == 0  # does not wait for the lock either
        assert ImportJob.objects.get(pk=job.pk).status == S.IMPORTING
    finally:
        release.set()
        thread.join(30)
    assert errors == []
    assert not AuditEntry.objects.filter(action=TO_VALID, before__status="importing").exists()
    assert bulk_import.recover_stalled(now=later(31)) == 1  # once the import is gone, the job is released


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_deliveries_at_once_import_once(user_a, settings, broker):
    job = importing_job(user_a, settings)
    barrier = threading.Barrier(2)

    def deliver():
        barrier.wait(30)
        bulk_import.run(job.pk)

    started = [_in_thread(deliver) for _ in range(2)]
    for thread, _errors in started:
        thread.join(60)
    assert [e for _t, errors in started for e in errors] == []
    job.refresh_from_db()
    assert job.status == S.DONE and job.imported_count == ROWS
    assert ResourceApplication.objects.filter(import_job=job).count() == ROWS
    assert audit_actions(job).count(TO_DONE) == 1
    assert audit.verify().ok


# --- a deleted uploader (issue #10, finding 12) -----------------------------------------------------------------------
def test_a_deleted_users_checked_file_cannot_be_confirmed_by_a_colleague(settings, admin_a, user_a):
    """The import would record the deleted user as the submitter of every row: refused with a message, nothing
    stored; the colleague uploads the file again under their own name."""
    from accounts import services as accounts_services
    from capacity_market.errors import DomainError

    job = uploaded_job(user_a, settings, background=False)
    assert job.status == S.VALID
    accounts_services.deactivate_user(actor=admin_a, user=user_a)
    with pytest.raises(DomainError, match="アップロードしたユーザは削除されています"):
        bulk_import.confirm(job=job, user=admin_a)
    job.refresh_from_db()
    assert job.status == S.VALID and not ResourceApplication.objects.exists()
    own = uploaded_job(admin_a, settings, background=False)
    assert bulk_import.confirm(job=own, user=admin_a).status == S.DONE
    assert ResourceApplication.objects.count() == ROWS
