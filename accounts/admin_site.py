"""The Django admin site, open to OCCTO staff only.

`accounts.apps.OcctoAdminConfig` replaces "django.contrib.admin" in INSTALLED_APPS and names this class as
its `default_site`, so `django.contrib.admin.site` (and every `@admin.register` of every app) is this site.
An operator user never gets in, even if `is_staff` were set on them by mistake.
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from capacity_market.roles import is_occto_staff


class OcctoAdminSite(admin.AdminSite):
    site_header = _("Capacity Market System — OCCTO administration")
    site_title = _("Capacity Market System")
    index_title = _("Review queues and administration")
    # The review queues and bid lists are wide tables with a filter column; the app list stays on the index page
    # and in the breadcrumbs instead of a third column on every page.
    enable_nav_sidebar = False

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_occto_staff(user))

    def index(self, request, extra_context=None):
        """The index shows each review queue's applications awaiting a decision above the app list."""
        from capacity_market.review.admin import pending_queues

        return super().index(request, {"review_queues": pending_queues(request, site=self), **(extra_context or {})})

    def password_change(self, request, extra_context=None):
        """Staff change their password on the same page as everyone (rules, reuse history and audit entry)."""
        return HttpResponseRedirect(reverse("accounts:password_change"))

    def password_change_done(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("accounts:password_change"))

    def login(self, request, extra_context=None):
        """One log-in page for everyone (allauth's, with the lockout messages); the admin has none of its own."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if not self.has_permission(request):
                raise PermissionDenied(_("The administration screens are for OCCTO staff only."))
            return HttpResponseRedirect(next_url)
        return redirect_to_login(next_url, login_url=reverse("account_login"))
