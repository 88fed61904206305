"""Settings for the test suite: production settings with a throw-away secret and fast password hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-not-for-production")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: speed
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# No collectstatic before tests: serve static files from the finders, without the manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Whitenoise serves from the finders in tests (there is no collectstatic output to index).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The kit's test-only application type (capacity_market/tests/kit_app): tests the kit without a business app.
INSTALLED_APPS = [*INSTALLED_APPS, "capacity_market.tests.kit_app.apps.KitAppConfig"]  # noqa: F405
