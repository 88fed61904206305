from django.conf import settings

from . import roles, service_window


def site(request):
    user = getattr(request, "user", None)
    return {
        "service_window_enforced": service_window.enforced(),
        "is_occto_staff": roles.is_occto_staff(user) if user is not None else False,
        "site_url": settings.SITE_URL,
    }
