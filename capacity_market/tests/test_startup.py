"""The production processes (web server, Celery worker and beat) refuse to start half-configured; development
(DJANGO_DEBUG) and one-off management commands are not guarded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from capacity_market.startup import missing_production_settings, require_production_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings):
    """Production settings with everything configured: each test takes one thing away."""
    settings.DEBUG = False
    settings.SECRET_KEY_IS_EPHEMERAL = False
    settings.DATABASE_URL = "postgres://cm@db:5432/capacity_market"
    settings.REDIS_URL = "redis://redis:6379/0"
    settings.EMAIL_CONFIGURED = True
    settings.SITE_URL_CONFIGURED = True
    return settings


def test_a_fully_configured_production_process_starts(production):
    assert missing_production_settings() == []
    require_production_settings()


@pytest.mark.parametrize(("setting", "value", "variable"), [
    ("SECRET_KEY_IS_EPHEMERAL", True, "DJANGO_SECRET_KEY"),
    ("DATABASE_URL", "", "DATABASE_URL"),
    ("REDIS_URL", "", "REDIS_URL"),  # tasks would run inside the web process
    ("EMAIL_CONFIGURED", False, "EMAIL_HOST (or EMAIL_BACKEND)"),  # mails would go to files on the server
    ("SITE_URL_CONFIGURED", False, "SITE_URL"),  # mailed links would point at 127.0.0.1:8000
])
def test_production_refuses_to_start_without_each_setting(production, setting, value, variable):
    setattr(production, setting, value)
    assert missing_production_settings() == [variable]
    with pytest.raises(ImproperlyConfigured, match=rf"{variable.split()[0]}.*refuses to start"):
        require_production_settings()


def test_the_refusal_names_every_missing_variable(production):
    production.REDIS_URL = ""
    production.SITE_URL_CONFIGURED = False
    with pytest.raises(ImproperlyConfigured, match=r"REDIS_URL, SITE_URL are not set"):
        require_production_settings()


def test_development_starts_with_nothing_configured(settings):
    settings.DEBUG = True
    settings.SECRET_KEY_IS_EPHEMERAL = True
    settings.DATABASE_URL = settings.REDIS_URL = ""
    settings.EMAIL_CONFIGURED = settings.SITE_URL_CONFIGURED = False
    require_production_settings()


# --- the real processes ----------------------------------------------------------------------------------------

def _unconfigured_production_env() -> dict[str, str]:
    """This environment without any production setting (set empty, so a developer's .env cannot fill them in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "PYTEST_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="capacity_market.settings", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="",
               DATABASE_URL="", REDIS_URL="", EMAIL_HOST="", EMAIL_BACKEND="", SITE_URL="")
    return env


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=_unconfigured_production_env(),
                          capture_output=True, text=True, timeout=120)


ALL_MISSING = "DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_HOST (or EMAIL_BACKEND), SITE_URL are not set"


def test_the_wsgi_application_refuses_to_load():
    """gunicorn imports capacity_market.wsgi: the import fails, so no worker boots."""
    done = _run("-c", "import capacity_market.wsgi")
    assert done.returncode != 0
    assert ALL_MISSING in done.stderr


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_the_celery_worker_and_beat_exit_at_once(program, tmp_path):
    """Celery only logs an exception raised by a signal handler; the guard's SystemExit really stops them."""
    done = _run("-m", "celery", "-A", "capacity_market", program, "-l", "warning",
                *(["--schedule", str(tmp_path / "schedule")] if program == "beat" else ["--pool", "solo"]))
    assert done.returncode == 1
    assert ALL_MISSING in done.stderr + done.stdout


def test_one_off_management_commands_still_run():
    done = _run("manage.py", "check")
    assert done.returncode == 0, done.stderr
