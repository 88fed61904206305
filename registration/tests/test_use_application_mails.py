"""Friction item 5: mails speak to who receives them. A use applicant has no ID: no mail tells them to log in. They
get one mail per step: the receipt (and the receipt of a correction), the correction link when returned, the
rejection with what to do without an ID, and on approval the admin-ID mail (the ID, how to set its password, the
operator code and OCCTO's comment). Users with an ID (change applications) still get the kit's notice."""

import re

import pytest
from django.core import mail

from accounts.models import TermsVersion
from capacity_market import review
from registration import services
from tests import factories

from .conftest import info_values

APPLICANT = "apply@mirai.example"
LOG_IN_LINE = {"ja": "ログインしてご確認ください", "en": "Log in to the Capacity Market System"}


def _submit(language: str = "ja"):
    values = {**factories.OperatorApplicationFactory.build().info_values(), "code": "M1234",
              "applicant_email": APPLICANT, "admin_login_id": "mirai-admin", "admin_full_name": "未来 太郎",
              "admin_full_name_kana": "ミライ タロウ"}
    return services.submit_use_application(values=values, language=language, terms_version=TermsVersion.current())


def _to_applicant():
    return [m for m in mail.outbox if m.to == [APPLICANT]]


def _step(callbacks, func):
    mail.outbox.clear()
    with callbacks(execute=True):
        result = func()
    messages = _to_applicant()
    assert len(messages) == 1, [m.subject for m in messages]
    assert LOG_IN_LINE["ja"] not in messages[0].body and LOG_IN_LINE["en"] not in messages[0].body
    assert messages[0].subject.startswith("【容量市場システム】") or messages[0].subject.startswith(
        "[Capacity Market System] ")
    return result, messages[0]


@pytest.mark.django_db
def test_the_submission_sends_only_the_receipt(django_capture_on_commit_callbacks):
    application, message = _step(django_capture_on_commit_callbacks, _submit)
    assert message.subject == f"【容量市場システム】利用申請 {application.number} を受け付けました"
    assert "事業者コード: M1234" in message.body


@pytest.mark.django_db
def test_a_return_sends_only_the_correction_link_saying_no_id_is_needed(reviewer, django_capture_on_commit_callbacks):
    application = _submit()
    _result, message = _step(django_capture_on_commit_callbacks, lambda: services.send_back_operator_application(
        application=application, actor=reviewer, comment="口座名義を確認してください", expected_version=application.version))
    assert "/registration/apply/correct/" in message.body and "口座名義を確認してください" in message.body
    assert "IDは不要です" in message.body


@pytest.mark.django_db
def test_a_correction_sends_a_receipt_of_the_correction(reviewer, django_capture_on_commit_callbacks):
    application = _submit()
    returned = services.send_back_operator_application(application=application, actor=reviewer, comment="修正",
                                                       expected_version=application.version)
    _result, message = _step(django_capture_on_commit_callbacks, lambda: services.resubmit_use_application(
        application=returned, values=info_values(returned, representative="代表 次郎"),
        expected_version=returned.version))
    assert message.subject == f"【容量市場システム】修正された利用申請 {application.number} を受け付けました"


@pytest.mark.django_db
def test_a_rejection_explains_what_to_do_without_an_id(reviewer, django_capture_on_commit_callbacks):
    application = _submit()
    _result, message = _step(django_capture_on_commit_callbacks, lambda: services.operator_applications.reject(
        application=application, actor=reviewer, comment="国内法人であることを確認できません",
        expected_version=application.version))
    assert message.subject == f"【容量市場システム】利用申請 {application.number} は承認されませんでした"
    body = message.body
    assert "国内法人であることを確認できません" in body
    assert "IDも発行されていません" in body and "再度申請するのにIDは不要です" in body
    assert "/registration/apply/" in body
    assert application.number in body


@pytest.mark.django_db
def test_the_rejection_reads_in_the_applicants_language(reviewer, django_capture_on_commit_callbacks):
    application = _submit(language="en")
    _result, message = _step(django_capture_on_commit_callbacks, lambda: services.operator_applications.reject(
        application=application, actor=reviewer, comment="Not a domestic corporation",
        expected_version=application.version))
    assert message.subject == f"[Capacity Market System] Your use application {application.number} was not approved"
    assert "You do not need an ID to apply again" in message.body
    assert "No operator was registered and no ID was issued." in message.body


@pytest.mark.django_db
def test_the_approval_mail_gives_the_admin_id_and_how_to_set_its_password(reviewer,
                                                                          django_capture_on_commit_callbacks):
    application = _submit()
    _result, message = _step(django_capture_on_commit_callbacks, lambda: services.approve_operator_application(
        application=application, actor=reviewer, expected_version=application.version, comment="ようこそ"))
    assert message.subject == "【容量市場システム】管理者IDが発行されました"
    body = message.body
    assert "ログインID: mirai-admin" in body
    assert re.search(r"/accounts/password/set/\S+/\S+/", body)
    assert "M1234" in body and application.number in body and "ようこそ" in body


@pytest.mark.django_db
def test_a_change_application_still_tells_its_users_to_log_in(operator_a, admin_a, user_a, reviewer,
                                                              django_capture_on_commit_callbacks):
    application = services.submit_change_application(operator=operator_a, actor=user_a,
                                                     values=info_values(operator_a, contact_name="別の担当"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review.reject(application=application, actor=reviewer, comment="不要な変更です",
                      expected_version=application.version)
    assert {m.to[0] for m in mail.outbox} == {user_a.email, admin_a.email}
    assert all(LOG_IN_LINE["ja"] in m.body for m in mail.outbox)
