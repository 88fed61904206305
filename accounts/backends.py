"""Log-in by login ID with lockout after consecutive failures (LOGIN_FAILURE_LIMIT)."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from capacity_market import audit

from .models import User


class LoginIdBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, login_id=None, **kwargs):
        login_id = login_id or username
        if not login_id or password is None:
            return None
        try:
            user = User.objects.get(login_id=login_id)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle for unknown IDs
            audit.record(action="auth.login_failed", actor_label=str(login_id)[:150], after={"reason": "unknown"})
            return None
        if user.is_locked:
            user.check_password(password)
            audit.record(action="auth.login_refused_locked", actor_label=user.login_id, operator_id=user.operator_id,
                         target=user)
            return None
        if not user.check_password(password):
            register_failure(user)
            return None
        if not self.user_can_authenticate(user):
            audit.record(action="auth.login_refused_inactive", actor_label=user.login_id,
                         operator_id=user.operator_id, target=user)
            return None
        if user.failed_login_count:
            User.objects.filter(pk=user.pk).update(failed_login_count=0)
            user.failed_login_count = 0
        return user


def register_failure(user: User) -> None:
    """Count a failed log-in; lock the user when the limit is reached. Atomic under concurrent attempts."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        locked = User.objects.select_for_update().get(pk=user.pk)
        audit.record(action="auth.login_failed", actor_label=locked.login_id, operator_id=locked.operator_id,
                     target=locked, after={"failed_login_count": locked.failed_login_count})
        if locked.locked_at is None and locked.failed_login_count >= settings.LOGIN_FAILURE_LIMIT:
            locked.locked_at = timezone.now()
            locked.save(update_fields=["locked_at"])
            audit.record(action="auth.locked", actor_label=locked.login_id, operator_id=locked.operator_id,
                         target=locked, after={"failed_login_count": locked.failed_login_count})
