"""The state-machine helper (`capacity_market.state_machine`): a table as data, one audited path that changes a
status, and the import job's own table."""

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import translation

from capacity_market import audit, state_machine
from capacity_market.models import AuditEntry, ImportJob
from capacity_market.state_machine import IllegalTransition, StateMachine

pytestmark = pytest.mark.django_db

S = ImportJob.Status
# A tiny table over the import job's statuses: checking → checked, nothing after that.
TINY = StateMachine({S.VALIDATING: {S.VALID}, S.VALID: set()})


@pytest.fixture
def job(user_a):
    return ImportJob.objects.create(kind="test.tiny", operator_id=user_a.operator_id, created_by=user_a,
                                    total_rows=3)


def stored(job) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


# --- the table, pure -------------------------------------------------------------------------------------------
def test_the_table_answers_without_a_database():
    assert TINY.can_transition("validating", "valid") and TINY.can_transition(S.VALIDATING, S.VALID)
    assert not TINY.can_transition("valid", "validating")
    assert not TINY.can_transition("nonsense", "valid") and not TINY.can_transition("validating", "nonsense")
    assert TINY.next_statuses("validating") == {"valid"} and TINY.next_statuses("nonsense") == frozenset()
    assert TINY.is_terminal("valid") and not TINY.is_terminal("validating")
    assert TINY.statuses == {"validating", "valid"}


def test_a_table_missing_a_status_or_naming_an_unknown_one_is_reported():
    assert TINY.problems(ImportJob) == [f"status {s!r} has no row in the table (give it an empty set if it is "
                                        f"terminal)" for s in ("done", "failed", "importing", "invalid")]
    odd = StateMachine({**ImportJob.states.transitions, "valid": {"importing", "archived"}})
    assert odd.problems(ImportJob) == ["the table names 'archived', which is not a choice of status"]


def test_manage_py_check_refuses_a_model_whose_table_leaves_a_status_out(monkeypatch):
    assert state_machine.check_state_machines() == []
    monkeypatch.setattr(ImportJob, "states", TINY)
    [error, *_more] = state_machine.check_state_machines()
    assert error.id == "capacity_market.E010" and "capacity_market.ImportJob" in error.msg and "'done'" in error.msg


# --- a legal move ----------------------------------------------------------------------------------------------
def test_a_legal_move_saves_the_status_and_the_changes_and_audits_it(job, user_a):
    touched = stored(job).updated_at
    moved = TINY.transition(job, to=S.VALID, actor=user_a, details={"errors": 0}, processed_rows=3)

    assert moved is job and (job.status, job.processed_rows) == ("valid", 3)
    again = stored(job)
    assert (again.status, again.processed_rows) == ("valid", 3)
    assert again.updated_at > touched  # auto_now fields are saved with the move
    entry = AuditEntry.objects.get(target_type="capacity_market.importjob", target_id=str(job.pk))
    assert entry.action == "capacity_market.importjob.valid"
    assert (entry.before, entry.after) == ({"status": "validating"}, {"status": "valid", "errors": 0})
    assert (entry.actor_id, entry.actor_label, entry.operator_id) == (user_a.pk, "user-a", user_a.operator_id)
    assert audit.verify().ok


def test_the_system_acts_under_a_label(job):
    state_machine.transition(job, to=S.VALID, actor_label="celery")  # the machine the model declares
    entry = AuditEntry.objects.get(action="capacity_market.importjob.valid")
    assert (entry.actor_id, entry.actor_label) == (None, "celery")


def test_a_move_is_undone_with_the_callers_transaction(job):
    with pytest.raises(RuntimeError), transaction.atomic():
        TINY.transition(job, to=S.VALID)
        raise RuntimeError("the caller's next step fails")
    assert stored(job).status == "validating" and not AuditEntry.objects.exists()


# --- refused moves ---------------------------------------------------------------------------------------------
def test_an_illegal_move_is_refused_and_nothing_is_saved(job, user_a):
    TINY.transition(job, to=S.VALID)
    before = AuditEntry.objects.count()

    with pytest.raises(IllegalTransition) as refused:
        TINY.transition(job, to=S.VALIDATING, actor=user_a, processed_rows=99)

    assert (refused.value.current, refused.value.target) == ("valid", "validating")
    assert (job.status, job.processed_rows) == ("valid", 0)  # the object is not changed either
    assert (stored(job).status, stored(job).processed_rows) == ("valid", 0)
    assert AuditEntry.objects.count() == before


def test_the_refusal_is_translated(job):
    TINY.transition(job, to=S.VALID)
    with translation.override("ja"), pytest.raises(IllegalTransition) as refused:
        TINY.transition(job, to=S.VALIDATING)
    assert refused.value.message == "このCSV一括登録は「登録可能」のため「確認中」にはできません。変更は行われていません。"
    with translation.override("en"), pytest.raises(IllegalTransition) as refused:
        TINY.transition(job, to=S.VALIDATING)
    assert refused.value.message == ("This CSV import is “Ready to import” and cannot become “Validating”; nothing "
                                     "was changed.")


def test_the_stored_status_decides_not_a_stale_object(job):
    stale = stored(job)
    TINY.transition(job, to=S.VALID)  # someone else moved it meanwhile
    assert stale.status == "validating"
    with pytest.raises(IllegalTransition):
        TINY.transition(stale, to=S.VALID)
    assert AuditEntry.objects.filter(action="capacity_market.importjob.valid").count() == 1


def test_expect_refuses_a_row_that_moved_on_and_claim_says_so_quietly(job, user_a):
    machine = ImportJob.states
    with pytest.raises(IllegalTransition):
        machine.transition(job, to=S.FAILED, expect=S.IMPORTING)  # legal from validating, but not expected
    assert stored(job).status == "validating"

    assert machine.claim(job, expect=S.VALIDATING, to=S.VALID, actor=user_a) is True
    assert machine.claim(job, expect=S.VALIDATING, to=S.INVALID) is False  # already valid: nothing happens
    assert stored(job).status == "valid"
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["capacity_market.importjob.valid"]
    with pytest.raises(ValueError, match="does not allow"):
        machine.claim(job, expect=S.DONE, to=S.VALID)  # a claim the table could never allow is a mistake


def test_the_status_is_given_as_to_and_only_real_fields_change(job):
    with pytest.raises(TypeError):
        TINY.transition(job, to=S.VALID, status=S.VALID)
    with pytest.raises(FieldDoesNotExist):
        TINY.transition(job, to=S.VALID, procesed_rows=3)
    assert stored(job).status == "validating" and not AuditEntry.objects.exists()


# --- the import job's table ------------------------------------------------------------------------------------
def test_the_import_job_table_covers_every_status_and_ends_in_invalid_done_or_failed():
    machine = ImportJob.states
    assert set(machine.transitions) == set(S.values) and machine.problems(ImportJob) == []
    assert {s for s in S.values if machine.is_terminal(s)} == {"invalid", "done", "failed"}
    assert state_machine.machine_for(ImportJob) is machine


@pytest.mark.parametrize("current, target", [("done", "importing"), ("failed", "valid"), ("invalid", "valid"),
                                             ("valid", "done"), ("validating", "importing")])
def test_an_illegal_import_job_move_is_refused(job, current, target):
    ImportJob.objects.filter(pk=job.pk).update(status=current)
    with pytest.raises(IllegalTransition):
        ImportJob.states.transition(job, to=target)
    assert stored(job).status == current and not AuditEntry.objects.exists()
