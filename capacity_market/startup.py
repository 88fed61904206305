"""Start-up guards for the long-running processes (web server, Celery worker and beat).

Outside development (DJANGO_DEBUG off) they refuse to start on settings that would let them run half-configured:
one-off management commands (migrate, createsuperuser, checks) are not guarded and keep working.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def missing_production_settings() -> list[str]:
    """The environment variables a production process needs and does not have (none in development)."""
    if settings.DEBUG:
        return []
    missing = []
    # Sessions, CSRF tokens and e-mailed set-password links must survive restarts and agree between the web
    # server and the worker: a throw-away key would not.
    if settings.SECRET_KEY_IS_EPHEMERAL:
        missing.append("DJANGO_SECRET_KEY")
    # Without it the embedded development database of the checkout would be used.
    if not settings.DATABASE_URL:
        missing.append("DATABASE_URL")
    # Without it tasks (mails, clearing, imports) would run inside the web process and the worker would have no
    # broker, and rate limits would count per process.
    if not settings.REDIS_URL:
        missing.append("REDIS_URL")
    # Without them mails would be written to files on the server instead of being sent.
    if not settings.EMAIL_CONFIGURED:
        missing.append("EMAIL_HOST (or EMAIL_BACKEND)")
    # Without it mailed links would point at 127.0.0.1:8000.
    if not settings.SITE_URL_CONFIGURED:
        missing.append("SITE_URL")
    return missing


def require_production_settings() -> None:
    missing = missing_production_settings()
    if missing:
        raise ImproperlyConfigured(
            f"DJANGO_DEBUG is off (production) and {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
            "set: this process refuses to start (see docs/configuration.md). Development sets DJANGO_DEBUG=1.")
