"""First log-in after an ID is issued or a password reissued must set a new password before anything else."""

from django.shortcuts import redirect
from django.urls import reverse

# Reachable while a new password is due: log-out, a set-password link (it sets the password too), the
# language switch, static files, the health check and the hours page.
ALLOWED_PREFIXES = (
    "/static/", "/healthz", "/i18n/", "/accounts/logout/", "/accounts/password/set/", "/service-hours/",
)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            target = reverse("accounts:password_change_required")
            if request.path != target and not request.path.startswith(ALLOWED_PREFIXES):
                return redirect(target)
        return self.get_response(request)
