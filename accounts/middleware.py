"""First log-in after an ID is issued or a password reissued must set a new password before anything else."""

from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/logout/", "/service-hours/")


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
