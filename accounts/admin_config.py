"""django.contrib.admin with the OCCTO-staff-only site. Named in INSTALLED_APPS instead of "django.contrib.admin".

Kept in its own module (not accounts/apps.py) so that "accounts" keeps one AppConfig, and so that nothing
here imports models while the app registry loads.
"""

from django.contrib.admin.apps import AdminConfig


class OcctoAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.OcctoAdminSite"
