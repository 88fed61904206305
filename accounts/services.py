"""Account services: issuing IDs, log-in failures and lockout, passwords, user management (ユーザ情報管理機能).

Every function here is a write: keyword-only arguments, one transaction, an audit entry. Refusals raise
`DomainError` with a translated message that the view shows. Views check who may open a page (403/404);
the services check again, so no caller can skip the rule.
"""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from capacity_market import audit
from capacity_market.errors import DomainError
from capacity_market.notifications import notify
from capacity_market.roles import is_occto_admin

from .models import AdminIdIssuance, UnmatchedLoginFailure, User
from .selectors import login_id_taken

# Fields an operator admin (or OCCTO) may edit on a user. The login ID never changes: it is the identity.
EDITABLE_FIELDS = ("full_name", "full_name_kana", "email", "phone", "language")


class SetPasswordTokenGenerator(PasswordResetTokenGenerator):
    """One-time and expiring set-password tokens (ID issue, password reissue).

    One-time: the token hashes the password (salted, so it changes on every set or reissue), the last log-in
    and the active flag, so using the link, a later reissue or deleting the ID all void it. It expires after
    PASSWORD_LINK_TIMEOUT seconds (24 h by default), independently of Django's PASSWORD_RESET_TIMEOUT.
    """

    key_salt = "accounts.SetPasswordTokenGenerator"

    def _now(self) -> datetime.datetime:
        # UTC, not the process's local time, so a change of TZ (or DST) never shifts a link's age.
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def check_token(self, user, token) -> bool:
        if not (user and isinstance(token, str) and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return 0 <= self._num_seconds(self._now()) - ts <= settings.PASSWORD_LINK_TIMEOUT


set_password_tokens = SetPasswordTokenGenerator()


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = set_password_tokens.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


def send_set_password_link(*, user: User, reason: str, context: dict | None = None) -> None:
    """E-mail a one-time set-password link in the user's language, once the transaction commits.

    Call it after the user's last change in the transaction: the link is made now and holds the password
    hash. `reason`: admin_id | user_id | staff_id | reissue (chooses the wording of the e-mail). `context`: more
    for the template (the use application's number and OCCTO's comment, for an admin ID).
    """
    notify(template="accounts/email/set_password", recipients=[user],
           context={**(context or {}), "url": set_password_url(user), "reason": reason,
                    "hours": settings.PASSWORD_LINK_TIMEOUT // 3600})


# --- Issuing IDs ------------------------------------------------------------------------------------------


def issue_admin_id(*, operator, login_id: str, full_name: str, email: str, language: str = "ja", actor=None,
                   mail_context: dict | None = None) -> User:
    """Issue the operator's one admin ID (利用規約 3.2) and e-mail its set-password link on commit (`mail_context`:
    what else the mail tells, see send_set_password_link).

    A second issue for the same operator fails on the AdminIdIssuance one-to-one constraint.
    """
    with transaction.atomic():
        user = User.objects.create_user(
            login_id, None, full_name=full_name, email=email, language=language, operator=operator,
            operator_role=User.OperatorRole.ADMIN, must_change_password=True,
        )
        AdminIdIssuance.objects.create(operator=operator, user=user)
        audit.record(action="accounts.admin_id_issued", actor=actor, operator_id=operator.pk, target=user,
                     after={"login_id": login_id, "email": email})
        send_set_password_link(user=user, reason="admin_id", context=mail_context)
    return user


def _require_manager(actor, user: User | None = None, *, operator_id: int | None = None) -> None:
    """The actor must be the current admin of the user's operator, or an OCCTO administrator."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise DomainError(_("You are not allowed to manage users."))
    if is_occto_admin(actor):
        return
    target_operator = user.operator_id if user is not None else operator_id
    if not (actor.is_operator_admin and target_operator is not None and actor.operator_id == target_operator):
        raise DomainError(_("Only your operator's administrator can manage its users."))


def issue_user_id(
    *, actor: User, operator, login_id: str, full_name: str, full_name_kana: str, email: str,
    phone: str = "", language: str = "ja",
) -> User:
    """Issue a user ID of `operator` to a natural person (利用規約 3.3) and e-mail the set-password link.

    The new user has no usable password until they follow the link (valid once, PASSWORD_LINK_TIMEOUT).
    """
    _require_manager(actor, operator_id=operator.pk)
    if login_id_taken(login_id):
        raise DomainError(_("This login ID is already in use. Choose another one."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                login_id, None, full_name=full_name, full_name_kana=full_name_kana, email=email, phone=phone,
                language=language, operator=operator, operator_role=User.OperatorRole.USER,
                must_change_password=True,
            )
            audit.record(action="accounts.user_id_issued", actor=actor, operator_id=operator.pk, target=user,
                         after={"login_id": login_id, "full_name": full_name, "email": email})
            send_set_password_link(user=user, reason="user_id")
    except IntegrityError as exc:  # a concurrent issue of the same login ID
        raise DomainError(_("This login ID is already in use. Choose another one.")) from exc
    return user


def create_occto_staff(
    *, actor: User, login_id: str, full_name: str, email: str, groups, full_name_kana: str = "",
    phone: str = "", language: str = "ja",
) -> User:
    """Create an OCCTO staff ID (reviewer and/or administrator groups); only OCCTO administrators may."""
    if not is_occto_admin(actor):
        raise DomainError(_("Only OCCTO administrators can create OCCTO staff IDs."))
    if login_id_taken(login_id):
        raise DomainError(_("This login ID is already in use. Choose another one."))
    with transaction.atomic():
        user = User.objects.create_user(
            login_id, None, full_name=full_name, full_name_kana=full_name_kana, email=email, phone=phone,
            language=language, is_staff=True, must_change_password=True,
        )
        user.groups.set(groups)
        audit.record(action="accounts.staff_id_issued", actor=actor, target=user,
                     after={"login_id": login_id, "groups": sorted(g.name for g in groups)})
        send_set_password_link(user=user, reason="staff_id")
    return user


# --- Editing and deleting ---------------------------------------------------------------------------------


def update_user(*, actor: User, user: User, **values) -> User:
    """Change a user's name, kana, e-mail, phone or language. Other keys are refused."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _require_manager(actor, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {f: getattr(locked, f) for f in values if getattr(locked, f) != values[f]}
        if not before:
            return locked
        for field in before:
            setattr(locked, field, values[field])
        locked.save(update_fields=list(before))
        audit.record(action="accounts.user_updated", actor=actor, operator_id=locked.operator_id, target=locked,
                     before=before, after={f: values[f] for f in before})
    return locked


def deactivate_user(*, actor: User, user: User) -> User:
    """Delete a user ID: it can no longer log in; the record stays (is_active False, deactivated_at set)."""
    _require_manager(actor, user)
    if actor.pk == user.pk:
        raise DomainError(_("You cannot delete your own ID."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise DomainError(_("This ID has already been deleted."))
        if locked.is_operator_admin:
            raise DomainError(_("The operator's current administrator cannot be deleted. Hand over the "
                                "administrator role first."))
        locked.is_active = False
        locked.deactivated_at = timezone.now()
        locked.save(update_fields=["is_active", "deactivated_at"])
        audit.record(action="accounts.user_deactivated", actor=actor, operator_id=locked.operator_id,
                     target=locked, before={"is_active": True},
                     after={"is_active": False, "deactivated_at": locked.deactivated_at})
    return locked


# --- Log-in failures, lock and unlock -----------------------------------------------------------------------


def record_login_failure(*, user: User) -> User:
    """Count a failed log-in; lock the user when LOGIN_FAILURE_LIMIT is reached. Safe under concurrency.

    Each failure and the lock itself are audited. The count is reset by a successful log-in or an unlock.
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        locked = User.objects.select_for_update().get(pk=user.pk)
        audit.record(action="auth.login_failed", actor_label=locked.login_id, operator_id=locked.operator_id,
                     target=locked, after={"failed_login_count": locked.failed_login_count})
        if locked.locked_at is None and locked.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
            locked.locked_at = timezone.now()
            locked.save(update_fields=["locked_at"])
            audit.record(action="auth.locked", actor_label=locked.login_id, operator_id=locked.operator_id,
                         target=locked, after={"failed_login_count": locked.failed_login_count,
                                               "locked_at": locked.locked_at})
    return locked


UNMATCHED_LOGIN_ID_LENGTH = UnmatchedLoginFailure._meta.get_field("login_id").max_length


def record_unmatched_login_failure(*, login_id: str) -> int:
    """Count a failed log-in under an ID that is no usable account; returns the count including this one.

    One atomic upsert, so concurrent failures under the same typed ID each count once."""
    table = UnmatchedLoginFailure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (login_id, failed_count, last_failed_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (login_id) DO UPDATE SET failed_count = {table}.failed_count + 1, "
            "last_failed_at = EXCLUDED.last_failed_at RETURNING failed_count",
            [login_id.replace("\x00", "\ufffd")[:UNMATCHED_LOGIN_ID_LENGTH], timezone.now()],
        )
        return cursor.fetchone()[0]


def record_login_success(*, user: User) -> None:
    """A successful password check clears the count of consecutive failures."""
    if user.failed_login_count:
        User.objects.filter(pk=user.pk).update(failed_login_count=0)
        user.failed_login_count = 0


def _unlock(locked: User, *, actor: User) -> None:
    before = {"locked_at": locked.locked_at, "failed_login_count": locked.failed_login_count}
    locked.locked_at = None
    locked.failed_login_count = 0
    locked.save(update_fields=["locked_at", "failed_login_count"])
    audit.record(action="auth.unlocked", actor=actor, operator_id=locked.operator_id, target=locked,
                 before=before, after={"locked_at": None, "failed_login_count": 0})


def unlock_user(*, actor: User, user: User) -> User:
    """Unlock a user locked by consecutive failed log-ins (operator admin of the user's operator, or OCCTO)."""
    _require_manager(actor, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_locked:
            raise DomainError(_("This user is not locked."))
        _unlock(locked, actor=actor)
    return locked


# --- Passwords -----------------------------------------------------------------------------------------------


def reissue_password(*, actor: User, user: User) -> User:
    """Reissue a password: the old one stops working now and a set-password link is e-mailed on commit.

    A locked user is unlocked at the same time (a separate audited unlock), so the new password works.
    """
    _require_manager(actor, user)
    if actor.pk == user.pk:
        raise DomainError(_("To change your own password, use the password change page."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise DomainError(_("This ID has been deleted."))
        if locked.is_locked:
            _unlock(locked, actor=actor)
        locked.set_unusable_password()
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        audit.record(action="accounts.password_reissued", actor=actor, operator_id=locked.operator_id,
                     target=locked, after={"email": locked.email})
        send_set_password_link(user=locked, reason="reissue")
    return locked


def set_password(*, user: User, password: str, via: str) -> User:
    """Set a new (already validated) password and clear `must_change_password`.

    `via`: link (set-password e-mail link) | forced (first log-in) | voluntary (change page). The password
    history that PasswordReuseValidator reads is written by the user's save() (Django calls the validators'
    `password_changed`), so every path records it.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = False
        locked.save(update_fields=["password", "must_change_password"])
        audit.record(action="accounts.password_set", actor=locked, operator_id=locked.operator_id,
                     target=locked, after={"via": via})
    user.password = locked.password
    user.must_change_password = False
    return locked


# --- Handing over the admin role -----------------------------------------------------------------------------


def hand_over_admin(*, actor: User, new_admin: User) -> User:
    """Make `new_admin` the operator's administrator and the actor an ordinary user, in one transaction.

    Demotion comes first, so the constraint one_current_admin_per_operator holds at every statement.
    """
    if not actor.is_operator_admin:
        raise DomainError(_("Only the operator's current administrator can hand over the role."))
    if new_admin.pk == actor.pk:
        raise DomainError(_("You are already the administrator."))
    with transaction.atomic():
        rows = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=[actor.pk, new_admin.pk])}
        me, other = rows.get(actor.pk), rows.get(new_admin.pk)
        if me is None or other is None or not me.is_operator_admin:
            raise DomainError(_("Only the operator's current administrator can hand over the role."))
        if other.operator_id != me.operator_id:
            raise DomainError(_("The new administrator must be a user of your operator."))
        if not other.is_active:
            raise DomainError(_("The new administrator must be an active user."))
        User.objects.filter(pk=me.pk).update(operator_role=User.OperatorRole.USER)
        User.objects.filter(pk=other.pk).update(operator_role=User.OperatorRole.ADMIN)
        audit.record(action="accounts.admin_handed_over", actor=actor, operator_id=me.operator_id, target=other,
                     before={"admin": me.login_id}, after={"admin": other.login_id})
    actor.operator_role = User.OperatorRole.USER
    new_admin.operator_role = User.OperatorRole.ADMIN
    return new_admin
