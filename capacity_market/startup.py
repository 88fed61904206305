"""Start-up guards for the long-running processes (web server, Celery worker and beat)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_configured_secret() -> None:
    """Sessions, CSRF tokens and e-mailed set-password links must survive restarts and agree between the web
    server and the worker: refuse to run on a throw-away key outside development."""
    if settings.SECRET_KEY_IS_EPHEMERAL and not settings.DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (see docs/configuration.md)")
