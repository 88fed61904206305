"""Log-in by login ID with lockout after LOGIN_FAILURE_LIMIT consecutive failures.

This is the only backend that checks passwords (settings.AUTHENTICATION_BACKENDS), so a locked or deleted
ID can never be let in another way. What the log-in page says (accounts.adapter): the same generic message
for an unknown ID, a wrong password, a deleted ID and a locked ID with a wrong password; only someone who
gives the right password of a locked ID is told that it is locked (they already know the ID exists).
"""

from django.contrib.auth.backends import ModelBackend

from capacity_market import audit
from capacity_market.models import AuditEntry

from . import services
from .models import User

# Set on the request when the right password was given for a locked ID; the adapter turns it into a message.
LOCKED_FLAG = "_accounts_login_locked"
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
            return None
        password_ok = user.check_password(password)
        if not self.user_can_authenticate(user):
            # Deleted IDs: refused without counting, so their lock state never changes after deletion.
            audit.record(action="auth.login_refused_inactive", actor_label=user.login_id,
                         operator_id=user.operator_id, target=user)
            return None
        if user.is_locked:
            audit.record(action="auth.login_refused_locked", actor_label=user.login_id,
                         operator_id=user.operator_id, target=user, after={"password_ok": password_ok})
            if password_ok and request is not None:
                setattr(request, LOCKED_FLAG, True)
            return None
        if not password_ok:
            services.record_login_failure(user=user)
            return None
        services.record_login_success(user=user)
        return user
