"""User management for the operator admin (ユーザ情報管理機能): who may do what, and what each action does."""

import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import User
from capacity_market.errors import DomainError
from capacity_market.models import AuditEntry
from tests.factories import OperatorUserFactory
from tests.mail_backends import FlakyBackend

pytestmark = pytest.mark.django_db

ISSUE = {"login_id": "tanaka-01", "full_name": "田中 花子", "full_name_kana": "タナカ ハナコ",
         "email": "tanaka@example.jp", "phone": "03-1111-2222", "language": "ja"}


def per_user_urls(pk):
    return [reverse(name, args=[pk]) for name in (
        "accounts:user_detail", "accounts:user_edit", "accounts:user_delete", "accounts:user_unlock",
        "accounts:user_reissue_password", "accounts:user_hand_over")]


def test_admin_a_sees_only_operator_a_users(client_for, admin_a, user_a, user_b):
    response = client_for(admin_a).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    listed = {u.login_id for u in response.context["page"]}
    assert listed == {"admin-a", "user-a"}


def test_the_user_list_runs_the_same_queries_for_1_and_50_users(client_for, admin_a):
    client = client_for(admin_a)
    url = reverse("accounts:user_list")
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    OperatorUserFactory.create_batch(49, operator=admin_a.operator)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert len(response.context["page"]) == 50
    assert len(one) == len(fifty)


def test_admin_a_issues_a_user_id_and_the_person_gets_a_link(client_for, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_a).post(reverse("accounts:user_issue"), ISSUE)
    user = User.objects.get(login_id="tanaka-01")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.operator_id == admin_a.operator_id
    assert user.operator_role == User.OperatorRole.USER
    assert not user.has_usable_password() and user.must_change_password
    assert mail.outbox[-1].to == ["tanaka@example.jp"]
    assert "/accounts/password/set/" in mail.outbox[-1].body
    assert AuditEntry.objects.filter(action="accounts.user_id_issued", target_id=str(user.pk),
                                     actor_id=admin_a.pk, operator_id=admin_a.operator_id).exists()


def test_the_user_id_is_issued_and_the_page_redirects_even_when_the_mail_relay_is_down(
        client_for, admin_a, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.mail_backends.FlakyBackend"
    monkeypatch.setattr(FlakyBackend, "errors", [smtplib.SMTPConnectError(421, b"Service not available")] * 10)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_a).post(reverse("accounts:user_issue"), ISSUE)

    user = User.objects.get(login_id="tanaka-01")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert mail.outbox == []


def test_issuing_refuses_a_login_id_in_use_ignoring_case(client_for, admin_a, user_b):
    response = client_for(admin_a).post(reverse("accounts:user_issue"), {**ISSUE, "login_id": "USER-B"})
    assert response.status_code == 200
    assert "login_id" in response.context["form"].errors
    assert not User.objects.filter(login_id="USER-B").exists()


@pytest.mark.parametrize("bad", [
    {"login_id": ""}, {"login_id": "ab"}, {"login_id": "has space"}, {"login_id": "x" * 5000},
    {"email": "not-an-email"}, {"full_name": ""}, {"full_name_kana": "たなか"}, {"phone": "call me"},
    {"language": "fr"}, {"full_name": "名" * 5000}
])
def test_issuing_with_bad_input_re_renders_and_changes_nothing(client_for, admin_a, bad):
    before = User.objects.count()
    response = client_for(admin_a).post(reverse("accounts:user_issue"), {**ISSUE, **bad})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.count() == before


def test_issuing_with_a_nul_byte_answers_400_and_changes_nothing(client_for, admin_a):
    before = User.objects.count()
    response = client_for(admin_a).post(reverse("accounts:user_issue"), {**ISSUE, "login_id": "nul\x00byte"})
    assert response.status_code == 400
    assert User.objects.count() == before


def test_issue_form_errors_are_tied_to_their_fields(client_for, admin_a):
    response = client_for(admin_a).post(reverse("accounts:user_issue"), {**ISSUE, "email": "nope"})
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<label for="id_login_id">' in html


def test_admin_a_edits_a_user(client_for, admin_a, user_a):
    data = {"full_name": "新しい 名前", "full_name_kana": "アタラシイ ナマエ", "email": "new@example.jp",
            "phone": "", "language": "en"}
    response = client_for(admin_a).post(reverse("accounts:user_edit", args=[user_a.pk]), data)
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.email, user_a.language) == ("新しい 名前", "new@example.jp", "en")
    entry = AuditEntry.objects.get(action="accounts.user_updated", target_id=str(user_a.pk))
    assert entry.after["email"] == "new@example.jp"


def test_the_edit_form_cannot_change_role_operator_or_login_id(client_for, admin_a, user_a, operator_b):
    data = {"full_name": "X", "full_name_kana": "エックス", "email": "x@example.jp", "language": "ja",
            "login_id": "hacked", "operator": operator_b.pk, "operator_role": "admin", "is_staff": "on"}
    client_for(admin_a).post(reverse("accounts:user_edit", args=[user_a.pk]), data)
    user_a.refresh_from_db()
    assert (user_a.login_id, user_a.operator_id, user_a.operator_role, user_a.is_staff) == (
        "user-a", admin_a.operator_id, "user", False)


def test_admin_a_deletes_a_user_and_the_record_stays(client_for, admin_a, user_a):
    client = client_for(admin_a)
    assert client.get(reverse("accounts:user_delete", args=[user_a.pk])).status_code == 200
    response = client.post(reverse("accounts:user_delete", args=[user_a.pk]))
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert not user_a.is_active and user_a.deactivated_at is not None
    listed = {u.login_id for u in client.get(reverse("accounts:user_list")).context["page"]}
    assert "user-a" not in listed
    listed = {u.login_id for u in client.get(reverse("accounts:user_list") + "?deleted=1").context["page"]}
    assert "user-a" in listed
    assert AuditEntry.objects.filter(action="accounts.user_deactivated", target_id=str(user_a.pk)).exists()


def test_an_admin_cannot_delete_themselves(client_for, admin_a):
    client_for(admin_a).post(reverse("accounts:user_delete", args=[admin_a.pk]))
    admin_a.refresh_from_db()
    assert admin_a.is_active


def test_the_current_admin_cannot_be_deleted_even_by_occto(occto_admin, admin_a):
    with pytest.raises(DomainError):
        services.deactivate_user(actor=occto_admin, user=admin_a)


def test_admin_a_reissues_a_password(client_for, admin_a, user_a, log_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_a).post(reverse("accounts:user_reissue_password", args=[user_a.pk]))
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert not user_a.has_usable_password() and user_a.must_change_password
    assert mail.outbox[-1].to == [user_a.email]
    assert AuditEntry.objects.filter(action="accounts.password_reissued", target_id=str(user_a.pk)).exists()


def test_a_reissue_ends_the_users_sessions(client_for, admin_a, user_a):
    client = client_for(user_a)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    services.reissue_password(actor=admin_a, user=user_a)
    assert client.get(reverse("accounts:password_change")).status_code == 302


def test_a_reissue_also_unlocks_and_audits_the_unlock(admin_a, user_a):
    for _ in range(5):
        services.record_login_failure(user=user_a)
    services.reissue_password(actor=admin_a, user=user_a)
    user_a.refresh_from_db()
    assert not user_a.is_locked
    assert AuditEntry.objects.filter(action="auth.unlocked", target_id=str(user_a.pk)).exists()


def test_handover_keeps_exactly_one_admin(client_for, admin_a, user_a):
    client = client_for(admin_a)
    url = reverse("accounts:user_hand_over", args=[user_a.pk])
    assert client.post(url, {}).status_code == 200  # the confirmation box is required
    assert User.objects.get(pk=admin_a.pk).is_operator_admin
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    admins = User.objects.filter(operator=admin_a.operator, operator_role="admin")
    assert list(admins) == [user_a]
    admin_a.refresh_from_db()
    assert admin_a.operator_role == "user"
    assert client.get(reverse("accounts:user_list")).status_code == 403  # no longer the admin
    assert AuditEntry.objects.filter(action="accounts.admin_handed_over", actor_id=admin_a.pk).exists()


def test_handover_to_a_deleted_user_is_refused(admin_a, user_a):
    services.deactivate_user(actor=admin_a, user=user_a)
    with pytest.raises(DomainError):
        services.hand_over_admin(actor=admin_a, new_admin=User.objects.get(pk=user_a.pk))
    assert User.objects.get(pk=admin_a.pk).is_operator_admin


def test_handover_to_another_operators_user_is_refused(admin_a, user_b):
    with pytest.raises(DomainError):
        services.hand_over_admin(actor=admin_a, new_admin=user_b)
    assert User.objects.filter(operator=user_b.operator, operator_role="admin").count() == 0


def test_a_user_cannot_hand_over_a_role_they_do_not_hold(user_a, operator_a):
    other = OperatorUserFactory(operator=operator_a)
    with pytest.raises(DomainError):
        services.hand_over_admin(actor=user_a, new_admin=other)


# --- The persona matrix -------------------------------------------------------------------------------------


def test_user_a_is_refused_every_management_page_with_a_message(client_for, user_a, admin_a):
    client = client_for(user_a)
    for url in [reverse("accounts:user_list"), reverse("accounts:user_issue"), *per_user_urls(admin_a.pk)]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "管理者" in response.content.decode()
    assert client.post(reverse("accounts:user_issue"), ISSUE).status_code == 403
    assert not User.objects.filter(login_id="tanaka-01").exists()


def test_admin_b_gets_404_for_every_page_of_a_user_of_operator_a(client_for, admin_b, user_a):
    client = client_for(admin_b)
    for url in per_user_urls(user_a.pk):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"confirm": "on"}).status_code == 404, url
    user_a.refresh_from_db()
    assert user_a.is_active and user_a.operator_role == "user"


def test_anonymous_is_sent_to_log_in(client, user_a):
    for url in [reverse("accounts:user_list"), reverse("accounts:user_issue"), *per_user_urls(user_a.pk)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize("persona", ["reviewer", "occto_admin"])
def test_occto_staff_are_pointed_to_the_admin_screens(client_for, request, persona, user_a):
    response = client_for(request.getfixturevalue(persona)).get(reverse("accounts:user_list"))
    assert response.status_code == 403


def test_odd_ids_answer_404(client_for, admin_a):
    client = client_for(admin_a)
    for pk in ["0", "999999999", "99999999999999999999999999"]:
        assert client.get(f"/accounts/users/{pk}/").status_code == 404
    assert client.get("/accounts/users/abc/").status_code == 404
    assert client.get(reverse("accounts:user_list") + "?page=abc").status_code == 200
    assert client.get(reverse("accounts:user_list") + "?page=99999999999999999999").status_code == 200


def test_a_transition_answers_get_with_a_confirmation_and_changes_nothing(client_for, admin_a, user_a):
    client = client_for(admin_a)
    for url in per_user_urls(user_a.pk)[2:]:
        assert client.get(url).status_code == 200
    user_a.refresh_from_db()
    assert user_a.is_active and user_a.has_usable_password() and user_a.operator_role == "user"
