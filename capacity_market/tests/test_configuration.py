"""Defaults of settings.py that depend on what the environment leaves out (docs/configuration.md)."""

import runpy
from pathlib import Path

import pytest

SETTINGS = Path(__file__).resolve().parents[1] / "settings.py"
VARIABLES = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_FILE_PATH", "SITE_URL", "DATABASE_URL", "DJANGO_DEBUG")


def load(monkeypatch, **environ) -> dict:
    """settings.py evaluated afresh with these variables (and none of VARIABLES besides)."""
    for name in VARIABLES:
        monkeypatch.setenv(name, "")  # empty, not unset: a developer's .env must not fill them in
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_without_mail_settings_mails_are_files_under_var_mail(monkeypatch):
    s = load(monkeypatch)
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(s["EMAIL_FILE_PATH"]) == SETTINGS.parent.parent / ".var" / "mail"
    assert s["EMAIL_CONFIGURED"] is False


def test_an_smtp_host_sends_by_smtp(monkeypatch):
    s = load(monkeypatch, EMAIL_HOST="smtp.example.jp")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_CONFIGURED"]) == ("smtp.example.jp", True)


def test_an_explicit_backend_wins(monkeypatch):
    s = load(monkeypatch, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend", EMAIL_HOST="smtp.example.jp")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(("value", "configured", "url"), [
    ("", False, "http://127.0.0.1:8000"),
    ("https://cm.example.jp", True, "https://cm.example.jp"),
])
def test_site_url(monkeypatch, value, configured, url):
    s = load(monkeypatch, SITE_URL=value)
    assert (s["SITE_URL_CONFIGURED"], s["SITE_URL"]) == (configured, url)


def test_without_database_url_the_embedded_development_server_is_used(monkeypatch):
    db = load(monkeypatch)["DATABASES"]["default"]
    assert (db["ENGINE"], db["NAME"], db["HOST"]) == ("capacity_market.embedded_db", "capacity_market", "")


def test_a_database_url_with_a_socket_directory(monkeypatch):
    db = load(monkeypatch, DATABASE_URL="postgres://postgres@%2Ftmp%2Fpg:5432/cm")["DATABASES"]["default"]
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == ("django.db.backends.postgresql", "/tmp/pg", 5432,
                                                                  "cm")
