"""Registration services and the OperatorApplication hooks of the review workflow."""

import pytest
from django.core import mail
from django.db import IntegrityError

from accounts.models import User
from capacity_market import review
from capacity_market.errors import DomainError
from capacity_market.models import AuditEntry
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import Operator, OperatorApplication
from tests import factories

from .conftest import info_values


def test_an_anonymous_applicant_may_submit_a_use_application_but_not_a_change(use_application, operator_a):
    anonymous = None
    assert use_application.is_applicant(anonymous)
    change = OperatorApplication(kind=ApplicationKind.CHANGE, operator=operator_a)
    assert not change.is_applicant(anonymous)


def test_no_logged_in_user_may_act_as_the_applicant_of_a_use_application(use_application, reviewer, admin_a):
    for user in (reviewer, admin_a):
        assert not use_application.is_applicant(user)
        with pytest.raises(review.NotAllowed):
            review.withdraw(application=use_application, actor=user, expected_version=use_application.version)
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED


def test_only_the_operator_admin_is_applicant_of_a_deletion(operator_a, admin_a, user_a, user_b):
    deletion = OperatorApplication(kind=ApplicationKind.DELETION, operator=operator_a)
    assert deletion.is_applicant(admin_a)
    assert not deletion.is_applicant(user_a)
    assert not deletion.is_applicant(user_b)


def test_the_kits_notice_never_goes_to_a_use_applicant_who_has_no_id(use_application):
    """The notice tells its readers to log in; the use application's own mails speak to its applicant instead."""
    assert use_application.notice_recipients() == []


def test_a_change_application_notifies_the_submitter_and_the_operator_admin(operator_a, admin_a, user_a):
    application = services.submit_change_application(
        operator=operator_a, actor=user_a, values=info_values(operator_a, contact_name="別の担当"))
    recipients = application.notice_recipients()
    assert (user_a.email, user_a.language) in recipients
    assert (admin_a.email, admin_a.language) in recipients
    assert len(recipients) == 2


def test_decisions_are_e_mailed_to_the_use_applicant(reviewer, use_application, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_applications.reject(application=use_application, actor=reviewer, comment="対象外です",
                                              expected_version=use_application.version)
    assert any(m.to == ["apply@mirai.example"] and "対象外です" in m.body for m in mail.outbox)


def test_approval_is_audited_with_the_operator_creation_and_admin_id(reviewer, use_application):
    approved = services.approve_operator_application(application=use_application, actor=reviewer,
                                                     expected_version=use_application.version)
    actions = set(AuditEntry.objects.filter(operator_id=approved.operator_id).values_list("action", flat=True))
    assert {"registration.operator_created", "accounts.admin_id_issued"} <= actions
    assert AuditEntry.objects.filter(action="registration.operatorapplication.approved",
                                     target_id=str(approved.pk)).exists()


def test_a_failed_approval_leaves_no_operator_and_no_user(reviewer, use_application):
    factories.UserFactory(login_id="MIRAI-ADMIN")
    operators = Operator.objects.count()
    with pytest.raises(DomainError):
        services.approve_operator_application(application=use_application, actor=reviewer,
                                              expected_version=use_application.version)
    assert Operator.objects.count() == operators
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED and use_application.operator_id is None


def test_a_second_open_application_is_refused_by_the_database_too(operator_a, admin_a, change_application_a):
    with pytest.raises(IntegrityError):
        OperatorApplication.objects.create(kind=ApplicationKind.DELETION, operator=operator_a,
                                           status=ReviewStatus.SUBMITTED, **operator_a.info_values())


def test_a_closed_application_does_not_block_a_new_one(operator_a, admin_a, change_application_a):
    services.withdraw_application(application=change_application_a, actor=admin_a,
                                  expected_version=change_application_a.version)
    again = services.submit_deletion_application(operator=operator_a, actor=admin_a)
    assert again.status == ReviewStatus.SUBMITTED


def test_a_user_who_is_not_admin_cannot_apply_for_deletion(operator_a, user_a):
    with pytest.raises(review.NotAllowed):
        services.submit_deletion_application(operator=operator_a, actor=user_a)
    assert not OperatorApplication.objects.exists()


def test_a_deleted_operator_cannot_apply_for_changes(reviewer, operator_a, admin_a):
    deletion = services.submit_deletion_application(operator=operator_a, actor=admin_a)
    services.approve_operator_application(application=deletion, actor=reviewer, expected_version=deletion.version)
    operator_a.refresh_from_db()
    with pytest.raises(DomainError):
        services.submit_change_application(operator=operator_a, actor=admin_a,
                                           values=info_values(operator_a, contact_name="x"))
    assert not User.objects.filter(operator=operator_a, is_active=True).exists()


def test_a_tampered_or_stale_resubmit_token_finds_nothing(reviewer, use_application):
    review.send_back(application=use_application, actor=reviewer, comment="直してください",
                     expected_version=use_application.version)
    token = services.resubmit_token(use_application)
    assert services.application_for_resubmit_token(token) == use_application
    assert services.application_for_resubmit_token(token + "x") is None
    assert services.application_for_resubmit_token("garbage") is None
    services.resubmit_use_application(application=use_application, values={"representative": "代表 次郎"},
                                      expected_version=use_application.version)
    assert services.application_for_resubmit_token(token) is None
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED
    assert use_application.representative == "代表 次郎"


def test_a_reviewer_cannot_decide_a_use_application_sent_from_their_own_address(reviewer, use_application):
    use_application.applicant_email = reviewer.email.upper()  # the same mailbox, however it was typed
    use_application.save(update_fields=["applicant_email"])
    with pytest.raises(review.NotAllowed):
        services.approve_operator_application(application=use_application, actor=reviewer,
                                              expected_version=use_application.version)
    use_application.refresh_from_db()
    assert use_application.status == "submitted" and not Operator.objects.exists()
