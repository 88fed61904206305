"""Log-in by login ID, consecutive failures, lock and unlock, and what the log-in page tells whom."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import User
from capacity_market.models import AuditEntry
from tests.factories import PASSWORD, OperatorUserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-123"


def fail(log_in, login_id, times):
    for _ in range(times):
        response = log_in(login_id, WRONG)
        assert response.status_code == 200


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_user_logs_in_with_login_id_and_password(client, log_in, user_a):
    response = log_in("user-a", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    assert AuditEntry.objects.filter(action="auth.login", actor_id=user_a.pk).exists()


def test_five_failures_in_a_row_lock_the_user(log_in, user_a):
    fail(log_in, "user-a", 4)
    user_a.refresh_from_db()
    assert user_a.failed_login_count == 4 and not user_a.is_locked
    fail(log_in, "user-a", 1)
    user_a.refresh_from_db()
    assert user_a.is_locked


def test_the_sixth_attempt_with_the_right_password_is_refused_and_says_locked(client, log_in, user_a):
    fail(log_in, "user-a", 5)
    response = log_in("user-a", PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["account_locked"]
    assert "ロックされています" in response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_failure_limit_is_configurable(log_in, user_a):
    fail(log_in, "user-a", 3)
    user_a.refresh_from_db()
    assert user_a.is_locked


def test_a_success_resets_the_count_of_failures(client, log_in, user_a):
    fail(log_in, "user-a", 4)
    assert log_in("user-a", PASSWORD).status_code == 302
    client.logout()
    user_a.refresh_from_db()
    assert user_a.failed_login_count == 0
    fail(log_in, "user-a", 4)
    user_a.refresh_from_db()
    assert not user_a.is_locked


def test_unknown_id_and_wrong_password_get_the_same_message(log_in, user_a):
    unknown = log_in("nobody-here", WRONG).context["form"].non_field_errors()
    wrong = log_in("user-a", WRONG).context["form"].non_field_errors()
    assert unknown and unknown == wrong


def test_a_locked_id_with_a_wrong_password_gets_the_generic_message(log_in, user_a):
    fail(log_in, "user-a", 5)
    generic = log_in("nobody-here", WRONG).context["form"].non_field_errors()
    locked_wrong = log_in("user-a", WRONG).context["form"].non_field_errors()
    assert locked_wrong == generic


def test_a_deleted_user_cannot_log_in_and_gets_the_generic_message(client, log_in, admin_a, user_a):
    services.deactivate_user(actor=admin_a, user=user_a)
    response = log_in("user-a", PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert response.context["form"].non_field_errors() == log_in("nobody-here", WRONG).context[
        "form"].non_field_errors()
    assert AuditEntry.objects.filter(action="auth.login_refused_inactive", target_id=str(user_a.pk)).exists()


def test_a_deleted_users_session_ends(client_for, admin_a, user_a):
    client = client_for(user_a)
    services.deactivate_user(actor=admin_a, user=user_a)
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_failures_lock_and_unlock_are_audited(log_in, admin_a, user_a):
    fail(log_in, "user-a", 5)
    log_in("ghost-id", WRONG)
    target = str(user_a.pk)
    assert AuditEntry.objects.filter(action="auth.login_failed", target_id=target).count() == 5
    assert AuditEntry.objects.filter(action="auth.login_failed", actor_label="ghost-id").count() == 1
    assert AuditEntry.objects.filter(action="auth.locked", target_id=target).count() == 1
    services.unlock_user(actor=admin_a, user=user_a)
    entry = AuditEntry.objects.get(action="auth.unlocked", target_id=target)
    assert entry.actor_id == admin_a.pk
    assert entry.operator_id == user_a.operator_id


def test_admin_a_unlocks_their_user_who_can_then_log_in(client_for, log_in, admin_a, user_a):
    fail(log_in, "user-a", 5)
    response = client_for(admin_a).post(reverse("accounts:user_unlock", args=[user_a.pk]))
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert not user_a.is_locked and user_a.failed_login_count == 0
    assert log_in("user-a", PASSWORD).status_code == 302


def test_admin_b_cannot_unlock_a_user_of_operator_a(client_for, log_in, admin_b, user_a):
    fail(log_in, "user-a", 5)
    response = client_for(admin_b).post(reverse("accounts:user_unlock", args=[user_a.pk]))
    assert response.status_code == 404
    user_a.refresh_from_db()
    assert user_a.is_locked


def test_occto_admin_unlocks_with_the_admin_action(client_for, log_in, occto_admin, user_a):
    fail(log_in, "user-a", 5)
    response = client_for(occto_admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_users", "_selected_action": [user_a.pk]},
    )
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert not user_a.is_locked
    assert AuditEntry.objects.filter(action="auth.unlocked", target_id=str(user_a.pk),
                                     actor_id=occto_admin.pk).exists()


def test_a_reviewer_cannot_run_the_unlock_action(client_for, log_in, reviewer, user_a):
    fail(log_in, "user-a", 5)
    client_for(reviewer).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_users", "_selected_action": [user_a.pk]},
    )
    user_a.refresh_from_db()
    assert user_a.is_locked


def test_unlocking_a_user_who_is_not_locked_is_refused_with_a_message(admin_a, user_a):
    from capacity_market.errors import DomainError

    with pytest.raises(DomainError):
        services.unlock_user(actor=admin_a, user=user_a)


def test_odd_login_input_never_errors(client, log_in):
    OperatorUserFactory(login_id="someone")
    for login_id in ["", "x" * 5000, "a\x00b", "😀" * 10, "' OR 1=1 --"]:
        response = log_in(login_id, WRONG)
        # A NUL is refused before any view (capacity_market.middleware.ControlCharacterMiddleware): 400, no count.
        assert response.status_code == (400 if "\x00" in login_id else 200)
    assert client.post(reverse("account_login"), {}).status_code == 200
    assert User.objects.get(login_id="someone").failed_login_count == 0


# --- the failure that locks says so, without telling whether the ID exists (#9, friction 4) -----------------------
def errors(response):
    return response.context["form"].non_field_errors()


def codes(response):
    return [e.code for e in errors(response).as_data()]


def test_the_failure_that_locks_the_id_says_it_is_now_locked(log_in, user_a):
    fail(log_in, "user-a", 4)
    response = log_in("user-a", WRONG)
    user_a.refresh_from_db()
    assert user_a.is_locked
    assert codes(response) == ["account_locked_now"]
    assert "ロックされました" in response.content.decode()
    # Later wrong passwords get the generic message again (they tell nothing new).
    assert codes(log_in("user-a", WRONG)) == ["username_password_mismatch"]


@pytest.mark.parametrize("attempt", [1, 4, 5, 6, 7])
def test_an_unknown_id_gets_the_same_message_as_a_real_one_at_every_attempt(log_in, user_a, attempt):
    real = unknown = None
    for _ in range(attempt):
        real = log_in("user-a", WRONG)
        unknown = log_in("nobody-here", WRONG)
    assert errors(real) == errors(unknown)
    assert codes(unknown) == (["account_locked_now"] if attempt == 5 else ["username_password_mismatch"])


def test_a_deleted_id_announces_the_lock_at_the_same_failure_as_a_real_one(log_in, admin_a, user_a):
    services.deactivate_user(actor=admin_a, user=user_a)
    fail(log_in, "user-a", 4)
    assert codes(log_in("user-a", WRONG)) == ["account_locked_now"]
    user_a.refresh_from_db()
    assert user_a.locked_at is None  # a deleted ID's own state never changes


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_announcement_follows_the_configured_limit(log_in, user_a):
    fail(log_in, "ghost-id", 2)
    assert codes(log_in("ghost-id", WRONG)) == ["account_locked_now"]
    assert "3回" in log_in("user-a", WRONG).content.decode()


def test_unmatched_failures_are_counted_per_typed_id_and_odd_ids_never_error(log_in):
    assert [services.record_unmatched_login_failure(login_id="ghost-id") for _ in range(3)] == [1, 2, 3]
    assert services.record_unmatched_login_failure(login_id="other") == 1
    for odd in ["x" * 5000, "😀" * 10]:
        assert log_in(odd, WRONG).status_code == 200
    assert log_in("a\x00b", WRONG).status_code == 400


class CountingHasher(MD5PasswordHasher):
    """MD5 (the suite's fast hasher) that counts every hash it computes."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@override_settings(PASSWORD_HASHERS=[f"{__name__}.CountingHasher"])
@pytest.mark.parametrize("case", ["unknown", "wrong", "locked-wrong", "locking", "deleted"])
def test_every_failing_path_hashes_exactly_once(log_in, admin_a, case):
    """The same work on every path: no timing difference between an unknown, a locked and a real ID."""
    user = OperatorUserFactory(login_id="counted", password=PASSWORD, operator=admin_a.operator)
    if case == "locked-wrong":
        User.objects.filter(pk=user.pk).update(locked_at=timezone.now())
    if case == "locking":
        User.objects.filter(pk=user.pk).update(failed_login_count=4)
    if case == "deleted":
        services.deactivate_user(actor=admin_a, user=user)
    CountingHasher.calls = 0
    log_in("nobody-here" if case == "unknown" else "counted", WRONG)
    assert CountingHasher.calls == 1


# --- Argon2 (#9, friction 14) ---------------------------------------------------------------------------------
def test_production_hashes_new_passwords_with_argon2_and_still_reads_pbkdf2():
    from capacity_market import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher",
                                     "django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_an_old_pbkdf2_hash_logs_in_and_is_rehashed_with_argon2(client, log_in, user_a):
    User.objects.filter(pk=user_a.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert log_in("user-a", PASSWORD).status_code == 302
    user_a.refresh_from_db()
    assert user_a.password.startswith("argon2$")
