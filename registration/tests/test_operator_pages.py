"""The operator's own pages: current values, applications and their review status, change, deletion,
resubmission and withdrawal. Scoped to the user's operator; others' applications answer 404."""

import pytest
from django.urls import reverse

from capacity_market.review import ApplicationKind, ReviewStatus
from registration import services
from registration.models import OperatorApplication

from .conftest import info_values

DETAIL = "/registration/operator/"
CHANGE = "/registration/operator/change/"
DELETE = "/registration/operator/delete/"


def post_data(values: dict, **extra) -> dict:
    data = {k: v for k, v in values.items() if not isinstance(v, bool)}
    for flag in ("is_electricity_supplier", "is_domestic_corporation"):
        if values.get(flag):
            data[flag] = "on"
    data.update(extra)
    return data


def test_the_operator_page_shows_current_values_and_applications(client_for, admin_a, operator_a,
                                                                  change_application_a):
    body = client_for(admin_a).get(DETAIL).content.decode()
    assert operator_a.code in body and operator_a.name in body
    assert "03-1234-5678" in body
    assert change_application_a.number in body
    assert "badge-submitted" in body
    assert "申請中" in body


def test_the_operator_page_reads_in_english_with_the_language_switch(client_for, user_a):
    client = client_for(user_a)
    client.post("/i18n/setlang/", {"language": "en", "next": DETAIL})
    assert "Current registered values" in client.get(DETAIL).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for url in (DETAIL, CHANGE, DELETE, "/registration/operator/applications/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_occto_staff_have_no_operator_page(client_for, reviewer):
    assert client_for(reviewer).get(DETAIL).status_code == 404


def test_an_operator_user_applies_for_a_change_pre_filled_with_current_values(client_for, user_a, operator_a):
    client = client_for(user_a)
    page = client.get(CHANGE).content.decode()
    assert f'value="{operator_a.contact_phone}"' in page
    response = client.post(CHANGE, post_data(info_values(operator_a, contact_name="新担当 一郎")))
    assert response.status_code == 302
    application = OperatorApplication.objects.get(operator=operator_a)
    assert application.kind == ApplicationKind.CHANGE
    assert application.status == ReviewStatus.SUBMITTED
    assert application.submitted_by == user_a
    assert application.changed_fields() == ["contact_name"]
    operator_a.refresh_from_db()
    assert operator_a.contact_name == "連絡 花子"  # changes only on approval


def test_a_change_with_no_differences_is_refused(client_for, user_a, operator_a):
    response = client_for(user_a).post(CHANGE, post_data(info_values(operator_a)))
    assert response.status_code == 200
    assert "現在の登録内容と違いがありません" in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_an_invalid_change_re_renders_with_messages(client_for, user_a, operator_a):
    response = client_for(user_a).post(CHANGE, post_data(info_values(operator_a, account_number="12")))
    assert response.status_code == 200
    assert "口座番号は7桁の数字で入力してください" in response.content.decode()
    assert not OperatorApplication.objects.exists()


def test_only_one_open_change_or_deletion_application_at_a_time(client_for, admin_a, operator_a,
                                                                  change_application_a):
    client = client_for(admin_a)
    response = client.post(CHANGE, post_data(info_values(operator_a, contact_name="別人")))
    assert "未決定の変更・削除申請があります" in response.content.decode()
    response = client.post(DELETE, {"confirm": "on"})
    assert "未決定の変更・削除申請があります" in response.content.decode()
    assert OperatorApplication.objects.filter(operator=operator_a).count() == 1


def test_the_admin_applies_for_deletion_after_confirming(client_for, admin_a, operator_a):
    client = client_for(admin_a)
    assert client.get(DELETE).status_code == 200
    response = client.post(DELETE, {"reason": "事業撤退"})
    assert response.status_code == 200
    assert not OperatorApplication.objects.exists()
    response = client.post(DELETE, {"reason": "事業撤退", "confirm": "on"})
    assert response.status_code == 302
    application = OperatorApplication.objects.get()
    assert application.kind == ApplicationKind.DELETION
    assert application.applicant_comment == "事業撤退"
    operator_a.refresh_from_db()
    assert operator_a.is_active


def test_an_operator_user_who_is_not_admin_cannot_apply_for_deletion(client_for, user_a, operator_a):
    client = client_for(user_a)
    assert client.get(DELETE).status_code == 403
    assert client.post(DELETE, {"confirm": "on"}).status_code == 403
    assert not OperatorApplication.objects.exists()


def test_the_application_page_shows_status_comparison_and_history(client_for, user_a, change_application_a):
    url = reverse("registration:application_detail", args=[change_application_a.pk])
    body = client_for(user_a).get(url).content.decode()
    assert change_application_a.number in body
    assert "06-9999-0000" in body and "03-1234-5678" in body
    assert "審査履歴" in body


@pytest.mark.parametrize("path", ["", "resubmit/", "withdraw/"])
def test_another_operators_application_answers_404(client_for, user_b, admin_b, change_application_a, path):
    url = f"/registration/operator/applications/{change_application_a.pk}/{path}"
    assert client_for(user_b).get(url).status_code == 404
    if path:
        assert client_for(admin_b).post(url, {"version": change_application_a.version}).status_code == 404
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_a_missing_or_malformed_application_id_answers_404(client_for, user_a):
    client = client_for(user_a)
    assert client.get("/registration/operator/applications/999999/").status_code == 404
    assert client.get("/registration/operator/applications/99999999999999999999/").status_code == 404


def test_withdrawal_asks_for_confirmation_on_get_and_withdraws_on_post(client_for, user_a, change_application_a):
    client = client_for(user_a)
    url = reverse("registration:application_withdraw", args=[change_application_a.pk])
    assert client.get(url).status_code == 200
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED
    response = client.post(url, {"version": change_application_a.version})
    assert response.status_code == 302
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.WITHDRAWN


def test_a_stale_withdrawal_is_refused_with_a_message(client_for, user_a, change_application_a):
    client = client_for(user_a)
    url = reverse("registration:application_withdraw", args=[change_application_a.pk])
    response = client.post(url, {"version": change_application_a.version - 1}, follow=True,
                           headers={"accept-language": "en"})
    assert "changed by someone else meanwhile" in response.content.decode()
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED
    response = client.post(url, {"version": "not-a-number"}, follow=True)
    assert response.status_code == 200
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.SUBMITTED


def test_a_stale_resubmission_keeps_the_typed_values_and_changes_nothing(client_for, user_a, reviewer,
                                                                        change_application_a):
    from capacity_market import review

    review.send_back(application=change_application_a, actor=reviewer, comment="直してください")
    client = client_for(user_a)
    url = reverse("registration:application_resubmit", args=[change_application_a.pk])
    data = post_data(info_values(change_application_a.operator, contact_phone="06-1111-2222"),
                     version=change_application_a.version - 1)
    response = client.post(url, data, headers={"accept-language": "en"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "changed by someone else meanwhile" in body
    assert "06-1111-2222" in body
    change_application_a.refresh_from_db()
    assert change_application_a.status == ReviewStatus.RETURNED


def test_an_open_application_cannot_be_resubmitted(client_for, user_a, change_application_a):
    url = reverse("registration:application_resubmit", args=[change_application_a.pk])
    response = client_for(user_a).get(url)
    assert response.status_code == 302


def test_the_approved_use_application_is_listed_for_the_new_operator(reviewer, client_for, use_application):
    approved = services.approve_operator_application(application=use_application, actor=reviewer,
                                                     expected_version=use_application.version)
    from accounts.models import User

    admin = User.objects.get(login_id="mirai-admin")
    admin.must_change_password = False  # as after setting the password through the e-mailed link
    admin.save()
    body = client_for(admin).get(DETAIL).content.decode()
    assert approved.number in body
    assert approved.operator.code in body
