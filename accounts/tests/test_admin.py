"""The Django admin: who gets in at all (OCCTO staff only), and the user admin for OCCTO."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import User
from capacity_market.models import AuditEntry
from capacity_market.roles import OCCTO_REVIEWER_GROUP

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


def admin_status(client, url="/admin/") -> int:
    """Follow the admin's redirects to the end; 200 means the admin page itself was shown."""
    response = client.get(url, follow=True)
    return response.status_code if response.request["PATH_INFO"].startswith("/admin/") else 302


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin_a", 403), ("user_a", 403), ("user_b", 403), ("reviewer", 200), ("occto_admin", 200),
])
def test_admin_site_access_matrix(client_for, request, persona, expected):
    client = client_for(request.getfixturevalue(persona))
    assert admin_status(client) == expected
    assert admin_status(client, reverse(CHANGELIST)) == expected


def test_anonymous_is_sent_to_the_one_log_in_page(client):
    response = client.get("/admin/", follow=True)
    assert response.request["PATH_INFO"] == reverse("account_login")
    assert response.status_code == 200
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"].startswith(reverse("account_login"))
    assert "evil.example" not in response["Location"]


def test_an_operator_user_with_staff_and_superuser_flags_still_never_gets_in(client_for, admin_a):
    admin_a.is_staff = admin_a.is_superuser = True
    admin_a.save(update_fields=["is_staff", "is_superuser"])
    client = client_for(admin_a)
    assert admin_status(client) == 403
    assert admin_status(client, reverse(CHANGELIST)) == 403


def test_occto_staff_without_is_staff_do_not_get_in(client_for, reviewer):
    reviewer.is_staff = False
    reviewer.save(update_fields=["is_staff"])
    assert admin_status(client_for(reviewer)) == 403


def test_the_user_list_filters_by_operator_role_and_lock(client_for, occto_admin, admin_a, user_a, user_b):
    user_a.locked_at = user_a.date_joined
    user_a.save(update_fields=["locked_at"])
    client = client_for(occto_admin)
    url = reverse(CHANGELIST)

    def listed(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {u.login_id for u in response.context["cl"].result_list}

    assert listed(f"?operator__id__exact={admin_a.operator_id}") == {"admin-a", "user-a"}
    assert listed("?operator_role__exact=admin") == {"admin-a"}
    assert listed("?locked=yes") == {"user-a"}
    assert "user-a" not in listed("?locked=no")
    assert listed("?kind=occto") == {"occto-admin"}


def test_the_change_page_never_shows_a_password_field(client_for, occto_admin, user_a):
    response = client_for(occto_admin).get(reverse("admin:accounts_user_change", args=[user_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' not in html
    assert "pbkdf2" not in html and "md5$" not in html
    assert 'name="groups"' not in html  # an operator user never gets OCCTO roles here


def test_occto_admin_reissues_a_password_with_the_action(client_for, occto_admin, user_a,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(occto_admin).post(reverse(CHANGELIST),
                                     {"action": "reissue_passwords", "_selected_action": [user_a.pk]})
    user_a.refresh_from_db()
    assert not user_a.has_usable_password() and user_a.must_change_password
    assert mail.outbox[-1].to == [user_a.email]
    assert AuditEntry.objects.filter(action="accounts.password_reissued", actor_id=occto_admin.pk).exists()


def test_occto_admin_creates_an_occto_staff_id(client_for, occto_admin, django_capture_on_commit_callbacks):
    group = Group.objects.get(name=OCCTO_REVIEWER_GROUP)
    data = {"login_id": "occto-rev-2", "full_name": "審査 次郎", "full_name_kana": "", "email": "rev2@occto.example",
            "phone": "", "language": "ja", "groups": [group.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(occto_admin).post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user = User.objects.get(login_id="occto-rev-2")
    assert user.is_staff and user.operator_id is None and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [OCCTO_REVIEWER_GROUP]
    assert mail.outbox[-1].to == ["rev2@occto.example"]
    assert AuditEntry.objects.filter(action="accounts.staff_id_issued", target_id=str(user.pk)).exists()


def test_a_reviewer_may_look_but_not_create_or_act(client_for, reviewer, user_a):
    client = client_for(reviewer)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    user_a_before = User.objects.get(pk=user_a.pk).password
    client.post(reverse(CHANGELIST), {"action": "reissue_passwords", "_selected_action": [user_a.pk]})
    assert User.objects.get(pk=user_a.pk).password == user_a_before


def test_users_are_never_hard_deleted_in_the_admin(client_for, occto_admin, user_a):
    response = client_for(occto_admin).post(reverse("admin:accounts_user_delete", args=[user_a.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=user_a.pk).exists()


def test_occto_admin_deactivates_with_the_action(client_for, occto_admin, user_a):
    client_for(occto_admin).post(reverse(CHANGELIST), {"action": "deactivate_users", "_selected_action": [user_a.pk]})
    user_a.refresh_from_db()
    assert not user_a.is_active and user_a.deactivated_at is not None
