"""Reviewers decide operator applications in the Django admin, through the generic review queue."""

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from accounts import services as account_services
from accounts.models import AdminIdIssuance, User
from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import Operator, OperatorApplication
from tests import factories

from .conftest import info_values


def change_url(application) -> str:
    return reverse("admin:registration_operatorapplication_change", args=[application.pk])


def decide(client, application, decision, comment="", version=None):
    return client.post(change_url(application), {
        "decision": decision, "comment": comment,
        "version": application.version if version is None else version,
    })


def test_a_reviewer_approves_a_use_application_and_the_operator_and_admin_id_are_created(
    reviewer, client_for, use_application, django_capture_on_commit_callbacks
):
    client = client_for(reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, use_application, "approve", "ようこそ")
    assert response.status_code == 302
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.APPROVED
    assert use_application.reviewed_by == reviewer
    operator = Operator.objects.get(pk=use_application.operator_id)
    assert operator.code == use_application.code, "the 事業者コード applied for, not a generated one"
    assert operator.name == use_application.name
    assert operator.account_number == use_application.account_number
    admin = User.objects.get(login_id="mirai-admin")
    assert admin.operator == operator
    assert admin.is_operator_admin
    assert admin.full_name == "未来 太郎"
    assert admin.full_name_kana == "ミライ タロウ"
    assert admin.email == "apply@mirai.example"
    assert not admin.has_usable_password()
    assert AdminIdIssuance.objects.get(operator=operator).user == admin
    link_mail = next(m for m in mail.outbox if "/accounts/password/set/" in m.body)
    assert link_mail.to == ["apply@mirai.example"]
    assert "mirai-admin" in link_mail.body
    path = re.search(r"https?://[^/]+(/accounts/password/set/\S+/\S+/)", link_mail.body).group(1)
    assert client.logout() is None and client.get(path).status_code in (200, 302)


def test_approving_a_use_application_whose_code_was_registered_meanwhile_is_refused_with_a_message(
    reviewer, client_for, use_application
):
    """The race: another application with the same code was approved while this one was open (the open-code
    constraint no longer held it). The decision page says so; nothing is created, the application stays open."""
    Operator.objects.create(code=use_application.code, **factories.OperatorFactory.build().info_values())
    response = decide(client_for(reviewer), use_application, "approve")
    assert response.status_code == 200
    assert f"事業者コード{use_application.code}は既に他の事業者に登録されています" in response.content.decode()
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED and use_application.operator_id is None
    assert not User.objects.filter(login_id="mirai-admin").exists()


def test_approving_twice_is_impossible(reviewer, client_for, use_application):
    client = client_for(reviewer)
    stale_version = use_application.version
    decide(client, use_application, "approve")
    response = decide(client, use_application, "approve", version=stale_version)
    assert response.status_code == 200
    assert Operator.objects.filter(name=use_application.name).count() == 1
    assert User.objects.filter(login_id="mirai-admin").count() == 1


def test_a_second_admin_id_for_the_same_operator_fails_at_the_database(reviewer, use_application):
    approved = services.approve_operator_application(application=use_application, actor=reviewer,
                                                     expected_version=use_application.version)
    with pytest.raises(IntegrityError), transaction.atomic():
        account_services.issue_admin_id(operator=approved.operator, login_id="second-admin", full_name="二人目",
                                        email="second@mirai.example", actor=reviewer)
    assert AdminIdIssuance.objects.filter(operator=approved.operator).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminIdIssuance.objects.create(operator=approved.operator,
                                       user=factories.OperatorUserFactory(operator=approved.operator))


def test_a_login_id_taken_meanwhile_refuses_the_approval_and_changes_nothing(reviewer, client_for, use_application):
    factories.UserFactory(login_id="mirai-admin")
    response = decide(client_for(reviewer), use_application, "approve")
    assert response.status_code == 200
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED
    assert not Operator.objects.filter(name=use_application.name).exists()


def test_returning_needs_a_comment(reviewer, client_for, change_application_a):
    response = decide(client_for(reviewer), change_application_a, "return", "  ")
    assert response.status_code == 200
    assert "差戻し" in response.content.decode() or response.context["decision_form"].errors
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_rejecting_needs_a_comment_and_records_it(reviewer, client_for, change_application_a, operator_a):
    client = client_for(reviewer)
    decide(client, change_application_a, "reject", "")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED
    decide(client, change_application_a, "reject", "根拠資料がありません")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.REJECTED
    assert change_application_a.review_comment == "根拠資料がありません"
    operator_a.refresh_from_db()
    assert operator_a.contact_phone == "03-1234-5678"


def test_a_returned_change_is_corrected_and_resubmitted_by_the_operator(
    reviewer, client_for, change_application_a, admin_a
):
    decide(client_for(reviewer), change_application_a, "return", "電話番号を確認してください")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.RETURNED
    client = client_for(admin_a)
    url = reverse("registration:application_resubmit", args=[change_application_a.pk])
    page = client.get(url).content.decode()
    assert "電話番号を確認してください" in page
    assert "06-9999-0000" in page
    data = {**info_values(change_application_a.operator, contact_phone="06-9999-1111", bank_name="なにわ銀行"),
            "version": change_application_a.version, "applicant_comment": "修正しました"}
    data["is_electricity_supplier"] = "on"
    data["is_domestic_corporation"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED
    assert change_application_a.contact_phone == "06-9999-1111"
    assert [h.to_status for h in change_application_a.history()] == ["submitted", "returned", "submitted"]


def test_a_returned_use_application_is_corrected_through_the_emailed_link(
    reviewer, client_for, client, use_application, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(client_for(reviewer), use_application, "return", "住所を正式名称で")
    link_mail = next(m for m in mail.outbox if "/registration/apply/correct/" in m.body)
    assert link_mail.to == ["apply@mirai.example"]
    path = re.search(r"https?://[^/]+(/registration/apply/correct/\S+/)", link_mail.body).group(1)
    assert "住所を正式名称で" in client.get(path).content.decode()
    use_application.refresh_from_db()
    data = {**info_values(use_application, head_office_address="東京都千代田区大手町一丁目1番1号"),
            "code": use_application.code, "version": use_application.version, "is_electricity_supplier": "on", "is_domestic_corporation": "on"}
    assert client.post(path, data).status_code == 302
    use_application.refresh_from_db()
    assert use_application.status == ReviewStatus.SUBMITTED
    assert use_application.head_office_address == "東京都千代田区大手町一丁目1番1号"
    assert client.get(path).status_code == 404  # the link works once


def test_a_stale_decision_is_refused_with_a_message_and_nothing_changes(reviewer, client_for, change_application_a):
    other = factories.ReviewerFactory()
    seen_version = change_application_a.version
    decide(client_for(other), change_application_a, "start_review")
    client = client_for(reviewer)
    response = client.post(change_url(change_application_a),
                           {"decision": "approve", "comment": "OK", "version": seen_version},
                           headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "changed by someone else meanwhile" in response.content.decode()
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.UNDER_REVIEW
    assert change_application_a.operator.contact_phone == "03-1234-5678"
    assert "OK</textarea>" in response.content.decode()  # what the reviewer typed is kept


def test_a_reviewer_cannot_decide_an_application_they_submitted(reviewer, client_for, db):
    operator = factories.OperatorFactory()
    application = factories.OperatorApplicationFactory(kind=ApplicationKind.CHANGE, operator=operator,
                                                       status=ReviewStatus.SUBMITTED, submitted_by=reviewer)
    response = decide(client_for(reviewer), application, "approve")
    assert response.status_code == 200
    assert "自分で申請した" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ReviewStatus.SUBMITTED


def test_start_review_marks_the_application_under_review(reviewer, client_for, change_application_a):
    decide(client_for(reviewer), change_application_a, "start_review")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.UNDER_REVIEW


def test_the_bulk_start_review_action_starts_each_selected_application(reviewer, client_for, change_application_a):
    client = client_for(reviewer)
    client.post(reverse("admin:registration_operatorapplication_changelist"),
                {"action": "start_review_selected", "_selected_action": [change_application_a.pk]})
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.UNDER_REVIEW


def test_a_change_application_shows_current_and_proposed_values_side_by_side(
    reviewer, client_for, change_application_a
):
    body = client_for(reviewer).get(change_url(change_application_a)).content.decode()
    assert "03-1234-5678" in body and "06-9999-0000" in body
    assert "みらい銀行" in body and "なにわ銀行" in body
    assert body.count('class="review-diff"') == 2


def test_comparison_rows_use_verbose_names_and_display_values(change_application_a):
    with translation.override("en"):
        rows = {label: (current, proposed) for label, current, proposed in change_application_a.comparison_rows()}
    assert rows["contact phone"] == ("03-1234-5678", "06-9999-0000")
    assert rows["account type"] == ("Ordinary (普通)", "Ordinary (普通)")
    assert rows["is a domestic corporation"] == ("Yes", "Yes")
    with translation.override("ja"):
        rows = {label: (current, proposed) for label, current, proposed in change_application_a.comparison_rows()}
    assert rows["担当者電話番号"] == ("03-1234-5678", "06-9999-0000")
    assert rows["預金種別"] == ("普通", "普通")


def test_approving_a_change_updates_the_operator_in_the_same_transaction(
    reviewer, client_for, change_application_a, operator_a
):
    decide(client_for(reviewer), change_application_a, "approve")
    operator_a.refresh_from_db()
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.APPROVED
    assert operator_a.contact_phone == "06-9999-0000"
    assert operator_a.bank_name == "なにわ銀行"


def test_a_change_that_fails_to_apply_leaves_the_application_undecided(reviewer, change_application_a, operator_a):
    Operator.objects.filter(pk=operator_a.pk).update(is_active=False)
    with pytest.raises(services.DomainError):
        services.approve_operator_application(application=change_application_a, actor=reviewer,
                                              expected_version=change_application_a.version)
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_approving_a_deletion_deactivates_the_operator_and_its_users(
    reviewer, client_for, operator_a, admin_a, user_a
):
    application = services.submit_deletion_application(operator=operator_a, actor=admin_a, reason="事業撤退")
    decide(client_for(reviewer), application, "approve")
    operator_a.refresh_from_db()
    admin_a.refresh_from_db()
    user_a.refresh_from_db()
    assert not operator_a.is_active and operator_a.deleted_at is not None
    assert not admin_a.is_active and not user_a.is_active
    assert admin_a.deactivated_at is not None
    assert Operator.objects.filter(pk=operator_a.pk).exists()


@pytest.mark.parametrize("persona", ["admin_a", "user_a"])
def test_operator_users_cannot_open_the_review_queue(request, client_for, change_application_a, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("admin:registration_operatorapplication_changelist")).status_code == 302
    decide(client, change_application_a, "approve")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_the_queue_offers_no_add_or_delete_and_filters_by_status_kind_date_and_operator(
    reviewer, client_for, change_application_a
):
    client = client_for(reviewer)
    changelist = reverse("admin:registration_operatorapplication_changelist")
    body = client.get(changelist).content.decode()
    assert change_application_a.number in body
    assert "review-badge-submitted" in body
    assert client.get(reverse("admin:registration_operatorapplication_add")).status_code == 403
    delete_url = reverse("admin:registration_operatorapplication_delete", args=[change_application_a.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert OperatorApplication.objects.filter(pk=change_application_a.pk).exists()
    filtered = client.get(changelist, {"status__exact": "approved"}).content.decode()
    assert change_application_a.number not in filtered
    assert change_application_a.number in client.get(changelist, {"kind__exact": "change"}).content.decode()
    by_operator = client.get(changelist, {"operator__id__exact": change_application_a.operator_id})
    assert change_application_a.number in by_operator.content.decode()


def test_the_operator_admin_is_read_only(reviewer, client_for, operator_a):
    client = client_for(reviewer)
    url = reverse("admin:tenants_operator_change", args=[operator_a.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"name": "書き換え"})
    operator_a.refresh_from_db()
    assert operator_a.name != "書き換え"


def test_an_unknown_application_id_in_the_admin_does_not_break(reviewer, client_for, db):
    client = client_for(reviewer)
    for bad in ("999999", "abc", "1%00"):
        response = client.get(f"/admin/registration/operatorapplication/{bad}/change/")
        assert response.status_code in (302, 404) if "%00" not in bad else response.status_code == 400


def test_odd_decision_input_re_renders_without_change(reviewer, client_for, change_application_a):
    response = client_for(reviewer).post(change_url(change_application_a),
                                         {"decision": "explode", "version": "x" * 1000, "comment": "y" * 10_000})
    assert response.status_code == 200
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_staff_without_an_occto_role_can_neither_see_nor_decide(client_for, change_application_a):
    staff = factories.UserFactory(is_staff=True)
    client = client_for(staff)
    assert client.get(reverse("admin:registration_operatorapplication_changelist")).status_code in (302, 403)
    assert decide(client, change_application_a, "approve").status_code in (302, 403)
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_the_queue_admin_itself_grants_view_only_to_occto_reviewers(rf, reviewer, admin_a, db):
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[OperatorApplication]
    for user, allowed in ((reviewer, True), (admin_a, False), (factories.UserFactory(is_staff=True), False)):
        request = rf.get("/")
        request.user = user
        assert model_admin.has_module_permission(request) is allowed
        assert model_admin.has_view_permission(request) is allowed
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_an_occto_admin_may_decide_too(client_for, occto_admin, change_application_a):
    decide(client_for(occto_admin), change_application_a, "approve")
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.APPROVED
