"""Account services: issuing IDs, set-password links. Keyword-only; each writes the audit log."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from capacity_market import audit

from .models import AdminIdIssuance, User


class SetPasswordTokenGenerator(PasswordResetTokenGenerator):
    """One-time (the token hashes the password and last log-in) and expiring after PASSWORD_LINK_TIMEOUT."""

    key_salt = "accounts.SetPasswordTokenGenerator"


set_password_tokens = SetPasswordTokenGenerator()


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = set_password_tokens.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


def send_set_password_link(*, user: User, reason: str) -> None:
    """E-mail a one-time set-password link in the user's language. `reason`: admin_id | user_id | reissue."""
    with translation.override(user.language):
        context = {"user": user, "url": set_password_url(user), "reason": reason,
                   "hours": settings.PASSWORD_LINK_TIMEOUT // 3600}
        subject = render_to_string("accounts/email/set_password_subject.txt", context).strip()
        body = render_to_string("accounts/email/set_password_body.txt", context)
    send_mail(subject, body, None, [user.email])


def issue_admin_id(*, operator, login_id: str, full_name: str, email: str, language: str = "ja", actor=None) -> User:
    """Issue the operator's one admin ID (利用規約 3.2) and e-mail its set-password link on commit.

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
        transaction.on_commit(lambda: send_set_password_link(user=user, reason="admin_id"))
    return user
