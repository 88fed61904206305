"""The 事業者コード (operator code): entered by the use applicant, well-formed and unique (domain.md §1).

The business holds the code before applying; the system never makes one. Unique against every operator (active
or deleted) and every other open use application, by the form, the services and the database; on approval the
operator is created with it, and an approval whose code was registered meanwhile is refused with a message."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import TermsVersion, User
from capacity_market import review
from capacity_market.errors import DomainError
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.forms import UseApplicationForm
from registration.models import Operator, OperatorApplication
from tests import factories

from .conftest import info_values, use_application_data

URL = "/registration/apply/"


def _values(code: str, login_id: str = "mirai-admin") -> dict:
    return {**factories.OperatorApplicationFactory.build().info_values(), "code": code,
            "applicant_email": f"{login_id}@mirai.example", "admin_login_id": login_id,
            "admin_full_name": "未来 太郎", "admin_full_name_kana": "ミライ タロウ"}


def _submit(code: str, login_id: str = "mirai-admin") -> OperatorApplication:
    return services.submit_use_application(values=_values(code, login_id), language="ja",
                                           terms_version=TermsVersion.current())


# --- format ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("entered, stored", [("A1234", "A1234"), ("a1b2c", "A1B2C"), ("Ａ１２３４", "A1234"),
                                             (" 12345 ", "12345"), ("A-1234", "A1234")])
def test_a_well_formed_code_is_stored_upper_case_half_width(db, entered, stored):
    form = UseApplicationForm(use_application_data(code=entered), terms=TermsVersion.current())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == stored


@pytest.mark.parametrize("entered", ["A123", "A12345", "A12_4", "あいうえお", "A12.4", ""])
def test_a_malformed_code_is_refused_on_its_field(db, entered):
    form = UseApplicationForm(use_application_data(code=entered), terms=TermsVersion.current())
    assert not form.is_valid()
    assert "code" in form.errors


def test_the_page_says_what_a_code_is_in_japanese(client, db):
    response = client.post(URL, use_application_data(code="A123"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "事業者コードは半角英大文字・数字5桁で入力してください" in body
    assert not OperatorApplication.objects.exists()


def test_the_page_says_it_in_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    body = client.post(URL, use_application_data(code="A123")).content.decode()
    assert "An operator code is exactly 5 half-width capital letters or digits (e.g. A1234)." in body


def test_the_service_refuses_a_malformed_code_too(db):
    with pytest.raises(DomainError):
        _submit("A12")
    assert not OperatorApplication.objects.exists()


# --- uniqueness ----------------------------------------------------------------------------------------------------
def test_a_code_held_by_an_operator_is_refused_with_a_message(client, db):
    factories.OperatorFactory(code="M1234")
    response = client.post(URL, use_application_data(code="m1234"))
    assert response.status_code == 200
    assert "この事業者コードは既に登録済みか申請中です" in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_a_deleted_operators_code_stays_taken(client, db):
    factories.OperatorFactory(code="M1234", is_active=False)
    assert client.post(URL, use_application_data(code="M1234")).status_code == 200
    assert not OperatorApplication.objects.exists()


def test_a_code_held_by_another_open_use_application_is_refused(client, db):
    _submit("M1234", login_id="other-admin")
    response = client.post(URL, use_application_data(code="M1234"))
    assert "この事業者コードは既に登録済みか申請中です" in response.content.decode()
    assert OperatorApplication.objects.count() == 1


def test_a_code_released_by_a_rejected_application_may_be_applied_for(client, reviewer, db):
    other = _submit("M1234", login_id="other-admin")
    review.reject(application=other, actor=reviewer, comment="対象外", expected_version=other.version)
    assert client.post(URL, use_application_data(code="M1234")).status_code == 302
    assert OperatorApplication.objects.filter(status=ReviewStatus.SUBMITTED, code="M1234").count() == 1


def test_the_service_refuses_a_taken_code_whatever_the_form_said(db):
    factories.OperatorFactory(code="M1234")
    with pytest.raises(services.OperatorCodeTaken):
        _submit("M1234")


def test_the_database_holds_one_open_use_application_per_code(db):
    _submit("M1234", login_id="first-admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        OperatorApplication.objects.create(kind=ApplicationKind.NEW, status=ReviewStatus.SUBMITTED, code="M1234",
                                           **factories.OperatorApplicationFactory.build().info_values())


def test_the_database_holds_one_operator_per_code(db):
    factories.OperatorFactory(code="M1234")
    with pytest.raises(IntegrityError), transaction.atomic():
        Operator.objects.create(code="M1234", **factories.OperatorFactory.build().info_values())


# --- approval ----------------------------------------------------------------------------------------------------
def test_approval_creates_the_operator_with_the_code_applied_for(reviewer, db):
    application = _submit("M1234")
    approved = services.approve_operator_application(application=application, actor=reviewer,
                                                     expected_version=application.version)
    assert approved.operator.code == "M1234"


def test_the_second_of_two_applications_with_one_code_is_refused_on_approval(reviewer, db):
    """The race: two applications asked for one code (the first was approved while the second was filed, so the
    open-code constraint no longer held it). The second approval is refused with a clear message, changes
    nothing and leaves the application open for the reviewer to return."""
    first = _submit("M1234", login_id="first-admin")
    second = _submit("M9999", login_id="second-admin")
    services.approve_operator_application(application=first, actor=reviewer, expected_version=first.version)
    OperatorApplication.objects.filter(pk=second.pk).update(code="M1234")  # what the race would have stored
    second.refresh_from_db()
    with pytest.raises(services.OperatorCodeTaken) as refused:
        services.approve_operator_application(application=second, actor=reviewer, expected_version=second.version)
    assert "M1234" in refused.value.message
    second.refresh_from_db()
    assert second.status == ReviewStatus.SUBMITTED and second.operator_id is None
    assert Operator.objects.filter(code="M1234").count() == 1
    assert not User.objects.filter(login_id="second-admin").exists()


def test_the_database_refusal_of_a_concurrent_approval_becomes_the_same_message(reviewer, db, monkeypatch):
    """When the check passes but the insert collides (a concurrent approval committed in between), the unique
    code of the operators refuses and the service says why, not a 500."""
    application = _submit("M1234")
    monkeypatch.setattr(services.selectors, "operator_code_taken", lambda code, **kw: False)
    Operator.objects.create(code="M1234", **factories.OperatorFactory.build().info_values())
    with pytest.raises(services.OperatorCodeTaken) as refused:
        services.approve_operator_application(application=application, actor=reviewer,
                                              expected_version=application.version)
    assert "M1234" in refused.value.message
    application.refresh_from_db()
    assert application.status == ReviewStatus.SUBMITTED


def test_an_application_without_a_code_cannot_be_approved(reviewer, db):
    """Use applications filed before the code was entered (the migration leaves them without one)."""
    application = _submit("M1234")
    OperatorApplication.objects.filter(pk=application.pk).update(code="")
    application.refresh_from_db()
    with pytest.raises(DomainError, match="operator code|事業者コード"):
        services.approve_operator_application(application=application, actor=reviewer,
                                              expected_version=application.version)


# --- after approval: shown, and not changed by a change application ----------------------------------------------
def test_the_correction_of_a_returned_application_may_fix_the_code(reviewer, db):
    application = _submit("M1234")
    returned = services.send_back_operator_application(application=application, actor=reviewer,
                                                       comment="コードを確認してください", expected_version=application.version)
    services.resubmit_use_application(application=returned, values={**info_values(returned), "code": "n5678"},
                                      expected_version=returned.version)
    returned.refresh_from_db()
    assert returned.code == "N5678" and returned.status == ReviewStatus.SUBMITTED


def test_the_correction_may_not_take_a_code_held_by_another(reviewer, db):
    factories.OperatorFactory(code="N5678")
    application = _submit("M1234")
    returned = services.send_back_operator_application(application=application, actor=reviewer,
                                                       comment="コードを確認してください", expected_version=application.version)
    with pytest.raises(services.OperatorCodeTaken):
        services.resubmit_use_application(application=returned, values={"code": "N5678"},
                                          expected_version=returned.version)
    returned.refresh_from_db()
    assert returned.code == "M1234" and returned.status == ReviewStatus.RETURNED


def test_a_change_application_carries_the_operators_code_and_cannot_change_it(operator_a, admin_a, client_for):
    body = client_for(admin_a).get("/registration/operator/change/").content.decode()
    assert operator_a.code in body and 'name="code"' not in body
    assert "事業者コードは申請では変更できません" in body
    application = services.submit_change_application(
        operator=operator_a, actor=admin_a, values=info_values(operator_a, contact_name="別の担当", code="Z9999"))
    assert application.code == operator_a.code


def test_the_operator_page_shows_the_code(operator_a, user_a, client_for):
    assert operator_a.code in client_for(user_a).get("/registration/operator/").content.decode()


def test_the_receipt_gives_the_code(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, use_application_data(code="m1234"))
    receipt = next(m for m in mail.outbox if "受け付けました" in m.subject)
    assert "事業者コード: M1234" in receipt.body


def test_reviewers_see_the_code_applied_for_in_the_queue_and_the_review_page(reviewer, client_for, db):
    application = _submit("M1234")
    client = client_for(reviewer)
    body = client.get(f"/admin/registration/operatorapplication/{application.pk}/change/").content.decode()
    assert '<th scope="row">事業者コード</th><td>M1234</td>' in body
    queue = client.get("/admin/registration/operatorapplication/").content.decode()
    assert "M1234" in queue
    assert application.number in client.get("/admin/registration/operatorapplication/", {"q": "m1234"}).content.decode()
