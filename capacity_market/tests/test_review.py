"""The review-workflow base (architecture.md §3), exercised through its first user, the operator application.

Change applications of operator A are used: their applicant side is a user of operator A, their decision side an
OCCTO reviewer. The contract tested here is the base's, so every later application type inherits it.
"""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections

from capacity_market import audit, review
from capacity_market.models import ApplicationHistory, AuditEntry
from capacity_market.review import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    NotAllowed,
    ReviewError,
    ReviewStatus,
    StaleApplication,
)
from capacity_market.service_window import JST, ServiceWindowClosed
from registration.models import OperatorApplication
from tests import factories

pytestmark = pytest.mark.django_db

S = ReviewStatus
APPLICANT_SIDE = {S.SUBMITTED: review.submit, S.WITHDRAWN: review.withdraw}
REVIEWER_SIDE = {S.UNDER_REVIEW: review.start_review, S.APPROVED: review.approve, S.RETURNED: review.send_back,
                 S.REJECTED: review.reject}
SERVICES = {**APPLICANT_SIDE, **REVIEWER_SIDE}
NEEDS_COMMENT = {S.RETURNED, S.REJECTED}

ALLOWED = [(src, dst) for src in S.values for dst in sorted(ALLOWED_TRANSITIONS[src])]
REFUSED = [(src, dst) for src in S.values for dst in SERVICES if dst not in ALLOWED_TRANSITIONS[src]]


def change_application(operator, *, status=S.DRAFT, submitted_by=None, **kwargs) -> OperatorApplication:
    return factories.OperatorApplicationFactory(
        kind="change", operator=operator, status=status, submitted_by=submitted_by, **kwargs
    )


def act(target, application, *, applicant, reviewer, comment="理由を記入しました", **kwargs):
    """Perform the move to `target` with the right kind of actor."""
    service = SERVICES[target]
    actor = applicant if target in APPLICANT_SIDE else reviewer
    if target in NEEDS_COMMENT:
        kwargs["comment"] = comment
    return service(application=application, actor=actor, **kwargs)


def history_of(application):
    return list(application.history())


def audit_of(application):
    return list(AuditEntry.objects.filter(target_type="registration.operatorapplication",
                                          target_id=str(application.pk)).order_by("id"))


# --- the table of transitions --------------------------------------------------------------------------------

def test_the_transition_table_is_the_documented_workflow():
    documented = {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        S.SUBMITTED: {S.UNDER_REVIEW, S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN},
        S.UNDER_REVIEW: {S.APPROVED, S.RETURNED, S.REJECTED, S.WITHDRAWN},
        S.RETURNED: {S.SUBMITTED, S.WITHDRAWN},
        S.APPROVED: set(),
        S.REJECTED: set(),
        S.WITHDRAWN: set(),
    }
    assert documented == ALLOWED_TRANSITIONS
    assert set(SERVICES) == set().union(*ALLOWED_TRANSITIONS.values())


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_transition_moves_the_application_and_leaves_a_trace(
    source, target, operator_a, user_a, reviewer
):
    submitter = user_a if source != S.DRAFT else None
    app = change_application(operator_a, status=source, submitted_by=submitter)
    version = app.version
    result = act(target, app, applicant=user_a, reviewer=reviewer, expected_version=version)

    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.status == target
    assert stored.version == version + 1
    assert (result.status, result.version) == (target, version + 1)
    assert (app.status, app.version) == (target, version + 1), "the caller's object is brought up to date"

    [entry] = history_of(app)
    assert (entry.from_status, entry.to_status, entry.version) == (source, target, version + 1)
    expected_actor = user_a if target in APPLICANT_SIDE else reviewer
    assert entry.actor == expected_actor
    assert entry.actor_label == expected_actor.login_id

    [logged] = audit_of(app)
    assert logged.action == f"registration.operatorapplication.{target}"
    assert logged.actor_id == expected_actor.pk
    assert logged.operator_id == operator_a.pk
    assert logged.before == {"status": source, "version": version}
    assert logged.after["status"] == target and logged.after["version"] == version + 1
    assert audit.verify().ok


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_other_transition_is_refused_and_changes_nothing(source, target, operator_a, user_a, reviewer):
    app = change_application(operator_a, status=source, submitted_by=user_a)
    before = OperatorApplication.objects.filter(pk=app.pk).values().get()
    with pytest.raises(InvalidTransition) as refused:
        act(target, app, applicant=user_a, reviewer=reviewer, expected_version=app.version)
    assert refused.value.message
    assert OperatorApplication.objects.filter(pk=app.pk).values().get() == before
    assert app.status == source
    assert history_of(app) == []
    assert audit_of(app) == []


def test_can_transition_to_answers_from_the_table_without_touching_the_database(django_assert_num_queries):
    app = OperatorApplication(status=S.SUBMITTED)
    with django_assert_num_queries(0):
        assert app.can_transition_to(S.APPROVED)
        assert not app.can_transition_to(S.DRAFT)
    assert app.is_awaiting_decision and app.is_open
    assert not OperatorApplication(status=S.APPROVED).is_open


def test_the_refusal_message_names_both_states_in_the_users_language(operator_a, user_a, reviewer):
    from django.utils import translation

    app = change_application(operator_a, status=S.APPROVED, submitted_by=user_a)
    with translation.override("ja"), pytest.raises(InvalidTransition) as refused:
        review.withdraw(application=app, actor=user_a)
    assert "承認" in refused.value.message and "取下げ" in refused.value.message
    with translation.override("en"), pytest.raises(InvalidTransition) as refused:
        review.withdraw(application=app, actor=user_a)
    assert "Approved" in refused.value.message and "Withdrawn" in refused.value.message


def test_a_whole_round_trip_keeps_every_step_in_the_history(operator_a, user_a, reviewer):
    app = change_application(operator_a)
    review.submit(application=app, actor=user_a, expected_version=app.version)
    review.start_review(application=app, actor=reviewer, expected_version=app.version)
    review.send_back(application=app, actor=reviewer, comment="口座番号を確認してください", expected_version=app.version)
    review.submit(application=app, actor=user_a, expected_version=app.version)
    review.approve(application=app, actor=reviewer, comment="", expected_version=app.version)

    steps = [(h.from_status, h.to_status, h.version) for h in history_of(app)]
    assert steps == [
        (S.DRAFT, S.SUBMITTED, 2), (S.SUBMITTED, S.UNDER_REVIEW, 3), (S.UNDER_REVIEW, S.RETURNED, 4),
        (S.RETURNED, S.SUBMITTED, 5), (S.SUBMITTED, S.APPROVED, 6),
    ]
    assert history_of(app)[2].comment == "口座番号を確認してください"
    assert [e.action.rsplit(".", 1)[1] for e in audit_of(app)] == [
        "submitted", "under_review", "returned", "submitted", "approved"]
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.submitted_by == user_a and stored.submitted_at is not None
    assert stored.reviewed_by == reviewer and stored.reviewed_at is not None
    assert audit.verify().ok


def test_submitting_records_who_and_when(operator_a, user_a, time_machine):
    instant = dt.datetime(2026, 11, 25, 14, 30, tzinfo=JST)
    time_machine.move_to(instant, tick=False)
    app = change_application(operator_a)
    review.submit(application=app, actor=user_a)
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.submitted_by == user_a
    assert stored.submitted_at == instant


def test_a_decision_records_reviewer_time_and_comment(operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    review.reject(application=app, actor=reviewer, comment="  要件を満たしていません  ")
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.reviewed_by == reviewer and stored.reviewed_at is not None
    assert stored.review_comment == "要件を満たしていません"


# --- who may act -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", [review.submit, review.withdraw])
def test_only_the_applicant_side_may_submit_or_withdraw(service, operator_a, user_a, user_b, reviewer,
                                                         occto_admin):
    app = change_application(operator_a)
    for outsider in (user_b, reviewer, occto_admin, AnonymousUser(), None):
        with pytest.raises(NotAllowed):
            service(application=app, actor=outsider)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.DRAFT
    assert history_of(app) == [] and audit_of(app) == []


def test_another_user_of_the_same_operator_may_submit_its_change_application(operator_a, user_a, admin_a):
    app = change_application(operator_a)
    review.submit(application=app, actor=admin_a)
    assert OperatorApplication.objects.get(pk=app.pk).submitted_by == admin_a


@pytest.mark.parametrize("target", sorted(REVIEWER_SIDE))
def test_only_occto_reviewers_may_decide(target, operator_a, user_a, admin_a, user_b, admin_b):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    for outsider in (user_a, admin_a, user_b, admin_b, AnonymousUser(), None):
        with pytest.raises(NotAllowed):
            act(target, app, applicant=None, reviewer=outsider)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.SUBMITTED
    assert history_of(app) == []


def test_an_inactive_reviewer_may_not_decide(operator_a, user_a):
    former = factories.ReviewerFactory(is_active=False)
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    with pytest.raises(NotAllowed):
        review.approve(application=app, actor=former)


@pytest.mark.parametrize("target", sorted(REVIEWER_SIDE))
def test_occto_administrators_may_decide_too(target, operator_a, user_a, occto_admin):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    act(target, app, applicant=None, reviewer=occto_admin)
    assert OperatorApplication.objects.get(pk=app.pk).status == target


@pytest.mark.parametrize("target", sorted(REVIEWER_SIDE))
def test_a_reviewer_cannot_decide_an_application_they_submitted(target, operator_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=reviewer)
    with pytest.raises(NotAllowed) as refused:
        act(target, app, applicant=None, reviewer=reviewer)
    assert refused.value.message
    assert OperatorApplication.objects.get(pk=app.pk).status == S.SUBMITTED
    other = factories.ReviewerFactory()
    act(target, app, applicant=None, reviewer=other)
    assert OperatorApplication.objects.get(pk=app.pk).status == target


def test_a_refused_actor_is_not_told_the_application_state(operator_a, user_b):
    app = change_application(operator_a, status=S.APPROVED)
    with pytest.raises(NotAllowed):
        review.withdraw(application=app, actor=user_b, expected_version=app.version + 5)


# --- comments ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("service", [review.send_back, review.reject])
@pytest.mark.parametrize("comment", ["", "   ", "\n\t", None])
def test_returning_or_rejecting_needs_a_comment(service, comment, operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.UNDER_REVIEW, submitted_by=user_a)
    with pytest.raises(ReviewError) as refused:
        service(application=app, actor=reviewer, comment=comment)
    assert refused.value.message
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.status == S.UNDER_REVIEW and stored.version == app.version
    assert history_of(app) == [] and audit_of(app) == []


def test_approving_needs_no_comment_but_keeps_one_given(operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    review.approve(application=app, actor=reviewer, comment="確認しました")
    assert history_of(app)[0].comment == "確認しました"
    assert OperatorApplication.objects.get(pk=app.pk).review_comment == "確認しました"


# --- optimistic locking ---------------------------------------------------------------------------------------------

def test_a_stale_decision_is_refused_with_a_clear_message_and_nothing_changes(operator_a, user_a, reviewer):
    from django.utils import translation

    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    seen_version = app.version
    other = factories.ReviewerFactory()
    review.start_review(application=OperatorApplication.objects.get(pk=app.pk), actor=other)
    before = OperatorApplication.objects.filter(pk=app.pk).values().get()

    with translation.override("en"), pytest.raises(StaleApplication) as refused:
        review.approve(application=app, actor=reviewer, expected_version=seen_version)
    assert "changed by someone else" in refused.value.message
    assert "Under review" in refused.value.message
    assert "nothing was changed" in refused.value.message
    with translation.override("ja"), pytest.raises(StaleApplication) as refused:
        review.approve(application=app, actor=reviewer, expected_version=seen_version)
    assert "審査中" in refused.value.message

    assert OperatorApplication.objects.filter(pk=app.pk).values().get() == before
    assert [h.to_status for h in history_of(app)] == [S.UNDER_REVIEW]


def test_the_current_version_is_accepted(operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a, version=7)
    review.approve(application=app, actor=reviewer, expected_version=7)
    assert OperatorApplication.objects.get(pk=app.pk).version == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_approvals_exactly_one_wins(operator_a, user_a, django_capture_on_commit_callbacks):
    reviewers = [factories.ReviewerFactory(), factories.ReviewerFactory()]
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor, service, **kwargs):
        try:
            mine = OperatorApplication.objects.get(pk=app.pk)
            barrier.wait()
            service(application=mine, actor=actor, expected_version=mine.version, **kwargs)
            outcomes.append("won")
        except StaleApplication:
            outcomes.append("stale")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(reviewers[0], review.approve)),
               threading.Thread(target=decide, args=(reviewers[1], review.reject), kwargs={"comment": "却下"})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["stale", "won"]
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.status in (S.APPROVED, S.REJECTED)
    assert stored.version == app.version + 1
    assert len(history_of(app)) == 1
    assert len(audit_of(app)) == 1
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_approvals_without_versions_still_decide_once(operator_a, user_a):
    reviewers = [factories.ReviewerFactory(), factories.ReviewerFactory()]
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor):
        try:
            barrier.wait()
            review.approve(application=OperatorApplication.objects.get(pk=app.pk), actor=actor)
            outcomes.append("won")
        except InvalidTransition:
            outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert len(history_of(app)) == 1


# --- the per-app effect is part of the same transaction -------------------------------------------------------------

def test_the_effect_runs_inside_the_transition_with_the_new_status(operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a, name="新社名株式会社")
    seen = []

    def apply_change(locked):
        seen.append(locked.status)
        operator_a.name = locked.name
        operator_a.save(update_fields=["name"])

    review.approve(application=app, actor=reviewer, effect=apply_change)
    assert seen == [S.APPROVED]
    operator_a.refresh_from_db()
    assert operator_a.name == "新社名株式会社"


def test_a_failing_effect_rolls_back_the_whole_transition_and_sends_nothing(
    operator_a, user_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    before = OperatorApplication.objects.filter(pk=app.pk).values().get()

    def broken(locked):
        operator_a.name = "途中まで書いた値"
        operator_a.save(update_fields=["name"])
        raise ReviewError("the master data refused the change")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ReviewError):
        review.approve(application=app, actor=reviewer, effect=broken)
    assert callbacks == []
    assert OperatorApplication.objects.filter(pk=app.pk).values().get() == before
    operator_a.refresh_from_db()
    assert operator_a.name != "途中まで書いた値"
    assert history_of(app) == [] and audit_of(app) == []
    assert mailoutbox == []


# --- the e-mail to the applicant --------------------------------------------------------------------------------

def test_a_decision_mails_the_applicant_once_the_transaction_commits(
    operator_a, user_a, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review.send_back(application=app, actor=reviewer, comment="添付書類が不足しています")
    assert mailoutbox == [], "nothing is sent before the commit"
    assert len(callbacks) == 1
    callbacks[0]()

    [mail] = [m for m in mailoutbox if user_a.email in m.to]
    assert "差戻し" in mail.subject
    assert "容量市場システム" in mail.subject
    assert "添付書類が不足しています" in mail.body
    assert "差戻し" in mail.body


def test_the_mail_is_in_the_applicants_language(operator_a, reviewer, mailoutbox,
                                                django_capture_on_commit_callbacks):
    english = factories.OperatorUserFactory(operator=operator_a, language="en", email="english@example.jp")
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=english)
    with django_capture_on_commit_callbacks(execute=True):
        review.reject(application=app, actor=reviewer, comment="Out of scope <b>&</b>")
    [mail] = [m for m in mailoutbox if m.to == ["english@example.jp"]]
    assert "Rejected" in mail.subject
    assert "Capacity Market System" in mail.subject
    assert "Out of scope <b>&</b>" in mail.body, "plain-text mail is not HTML-escaped"


def test_every_notified_move_but_start_review_sends_mail(operator_a, user_a, reviewer, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    app = change_application(operator_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review.submit(application=app, actor=user_a)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review.start_review(application=app, actor=reviewer)
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review.withdraw(application=app, actor=user_a)
    assert len(callbacks) == 1
    assert any("取下げ" in m.subject for m in mailoutbox)


# --- the service window ------------------------------------------------------------------------------------------

@pytest.fixture
def after_hours(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 18, 0, tzinfo=JST), tick=False)


def test_submitting_outside_the_window_is_refused_and_changes_nothing(after_hours, operator_a, user_a):
    app = change_application(operator_a)
    with pytest.raises(ServiceWindowClosed):
        review.submit(application=app, actor=user_a, expected_version=app.version)
    stored = OperatorApplication.objects.get(pk=app.pk)
    assert stored.status == S.DRAFT and stored.version == app.version
    assert history_of(app) == [] and audit_of(app) == []


def test_withdrawing_outside_the_window_is_refused(after_hours, operator_a, user_a):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    with pytest.raises(ServiceWindowClosed):
        review.withdraw(application=app, actor=user_a)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.SUBMITTED


def test_submitting_on_a_tuesday_holiday_is_allowed(time_machine, operator_a, user_a):
    time_machine.move_to(dt.datetime(2026, 11, 3, 10, 0, tzinfo=JST), tick=False)
    app = change_application(operator_a)
    review.submit(application=app, actor=user_a)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.SUBMITTED


def test_reviewers_decide_outside_the_window(after_hours, operator_a, user_a, reviewer):
    app = change_application(operator_a, status=S.SUBMITTED, submitted_by=user_a)
    review.approve(application=app, actor=reviewer)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.APPROVED


def test_submitting_outside_the_window_is_allowed_when_enforcement_is_off(after_hours, settings, operator_a,
                                                                           user_a):
    settings.SERVICE_WINDOW_ENFORCED = False
    app = change_application(operator_a)
    review.submit(application=app, actor=user_a)
    assert OperatorApplication.objects.get(pk=app.pk).status == S.SUBMITTED


def test_history_lists_only_this_applications_rows_oldest_first(operator_a, operator_b, user_a, user_b, reviewer):
    mine = change_application(operator_a)
    theirs = change_application(operator_b)
    review.submit(application=mine, actor=user_a)
    review.submit(application=theirs, actor=user_b)
    review.approve(application=mine, actor=reviewer)
    assert [h.to_status for h in mine.history()] == [S.SUBMITTED, S.APPROVED]
    assert [h.to_status for h in theirs.history()] == [S.SUBMITTED]
    assert ApplicationHistory.objects.count() == 3
