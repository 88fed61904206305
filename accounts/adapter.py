"""allauth adapter: no public sign-up, our log-in messages, and audited log-in/log-out."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from capacity_market import audit

from .backends import LOCKED_FLAG, LOCKED_NOW_FLAG


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: IDs are issued by OCCTO (admin IDs) and by each operator's admin (user IDs)."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _(
            "The login ID or the password is not correct. After %(limit)d failures in a row the ID is locked "
            "and only your operator's administrator can unlock it."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def validation_error(self, code, *args) -> ValidationError:
        if code == "username_password_mismatch":
            message = self.error_messages[code] % {"limit": settings.LOGIN_FAILURE_LIMIT}
            return ValidationError(message, code=code)
        return super().validation_error(code, *args)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is None and getattr(request, LOCKED_NOW_FLAG, False):
            raise ValidationError(
                _("The login ID or the password is not correct. After %(limit)d failures in a row this ID is now "
                  "locked: only your operator's administrator can unlock it (OCCTO staff: an OCCTO "
                  "administrator).") % {"limit": settings.LOGIN_FAILURE_LIMIT},
                code="account_locked_now",
            )
        if user is None and getattr(request, LOCKED_FLAG, False):
            raise ValidationError(
                _("This ID is locked after too many failed log-ins. Ask your operator's administrator to unlock "
                  "it (OCCTO staff: ask an OCCTO administrator)."),
                code="account_locked",
            )
        return user

    def login(self, request, user) -> None:
        super().login(request, user)
        audit.record(action="auth.login", actor=user, operator_id=user.operator_id, target=user)

    def logout(self, request) -> None:
        user = request.user
        if user.is_authenticated:
            audit.record(action="auth.logout", actor=user, operator_id=user.operator_id, target=user)
        super().logout(request)
