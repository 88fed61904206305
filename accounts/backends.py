"""Log-in by login ID with lockout after LOGIN_FAILURE_LIMIT consecutive failures.

This is the only backend that checks passwords (settings.AUTHENTICATION_BACKENDS), so a locked or deleted
ID can never be let in another way. What the log-in page says (accounts.adapter): the same generic message
for an unknown ID, a wrong password, a deleted ID and a locked ID with a wrong password; only someone who
gives the right password of a locked ID is told that it is locked (they already know the ID exists).

The failure that locks an ID is announced on the page when it happens ("…the ID is now locked"). So that this
tells nothing about whether the ID exists, failures under an unknown or deleted ID are counted too
(`UnmatchedLoginFailure`) and the same announcement comes at the same failure, the LOGIN_FAILURE_LIMIT-th. Every
path does exactly one password hash (Argon2, the first hasher) and a few small writes, so timing does not tell
them apart either (docs/security.md, "Log-in and lockout").
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from capacity_market import audit
from capacity_market.models import AuditEntry

from . import services
from .models import User

# Set on the request when the right password was given for a locked ID; the adapter turns it into a message.
LOCKED_FLAG = "_accounts_login_locked"
# Set on the request by the failure that locks the ID (or the same-numbered failure under an unknown ID).
LOCKED_NOW_FLAG = "_accounts_login_locked_now"
# An unknown ID typed at log-in is recorded as the actor of the failure, cut to fit the column.
_ACTOR_LABEL_LENGTH = AuditEntry._meta.get_field("actor_label").max_length


class LoginIdBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, login_id=None, **kwargs):
        login_id = login_id or username
        if not login_id or not isinstance(login_id, str) or password is None:
            return None
        user = None
        if len(login_id) <= 50 and "\x00" not in login_id:  # longer or NUL: cannot be an ID (and NUL breaks SQL)
            user = User.objects.filter(login_id=login_id).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle for unknown IDs
            audit.record(action="auth.login_failed", actor_label=login_id[:_ACTOR_LABEL_LENGTH],
                         after={"reason": "unknown"})
            self._count_unmatched_failure(request, login_id)
            return None
        password_ok = user.check_password(password)
        if not self.user_can_authenticate(user):
            # Deleted IDs: their own lock state never changes after deletion; counted as an unknown ID is.
            audit.record(action="auth.login_refused_inactive", actor_label=user.login_id,
                         operator_id=user.operator_id, target=user)
            self._count_unmatched_failure(request, login_id)
            return None
        if user.is_locked:
            audit.record(action="auth.login_refused_locked", actor_label=user.login_id,
                         operator_id=user.operator_id, target=user, after={"password_ok": password_ok})
            if password_ok and request is not None:
                setattr(request, LOCKED_FLAG, True)
            return None
        if not password_ok:
            if services.record_login_failure(user=user).is_locked and request is not None:
                setattr(request, LOCKED_NOW_FLAG, True)
            return None
        services.record_login_success(user=user)
        return user

    @staticmethod
    def _count_unmatched_failure(request, login_id: str) -> None:
        count = services.record_unmatched_login_failure(login_id=login_id)
        if count == settings.LOGIN_FAILURE_LIMIT and request is not None:
            setattr(request, LOCKED_NOW_FLAG, True)
