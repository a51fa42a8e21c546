"""The settings, driven by environment variables.

Development defaults are safe to run on a laptop; with ``DEBUG`` off the module
refuses to start without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``. Two areas live in
their own modules, imported below where their section was: ``security.py`` (sessions, HTTPS,
Content-Security-Policy) and ``payment_gateway.py``; ``env.py`` holds what all of them read
(the environment-variable helpers, ``DEBUG``, ``SITE_URL``).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import DEBUG, SITE_URL, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "") or _DEV_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if not DEBUG:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

WAGTAILADMIN_BASE_URL = SITE_URL  # env.py: mails, QR codes, the gateway's return URLs
WAGTAIL_SITE_NAME = "日本消化器内視鏡技師会 会員管理システム"

INSTALLED_APPS = [
    "config",  # the project as an app: its seed_demo command
    "core",
    "membership",
    "gateway_sandbox",  # the stand-in payment gateway (label gateway_sandbox)
    "renewal",
    "imports",
    "cms_pages",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: each request in a stack chunk of its own (its speed the same at any caller depth).
    "core.stack.StackChunkMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff two-factor login: which device verified the session, then the admin's gate.
    "django_otp.middleware.OTPMiddleware",
    "membership.middleware.StaffTwoFactorMiddleware",
    "renewal.middleware.ReceptionistHomeMiddleware",  # a 受付-only user's admin home is the desk
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy: the site's and, under /admin/, the admin's (core/csp.py).
    "core.csp.SiteAndAdminCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout into our Japanese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "membership.context_processors.members_frame",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Production keeps each worker's connection (a new one per request cost more than a page's queries).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
# SQLite (development, tests; `make run` shares the file with db_worker): WAL, so that pages never wait for the
# worker's import; IMMEDIATE: two read-then-write transactions queue up, not fail with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Row locks (payments, receipt numbers, imports) wait at most this long, then fail
    # politely instead of piling up: a gateway notification is then not acknowledged and
    # comes again later.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c lock_timeout={env_int('DB_LOCK_TIMEOUT_MS', 5000)}"
    # Parameters travel apart from the SQL (server-side binding), and a query a connection has run
    # five times (psycopg's default) becomes a prepared statement there: PostgreSQL stops parsing and
    # planning it again, and psycopg stops quoting values into the text (the README's figures).
    # Every member page repeats the same few queries on each worker's kept connection. Off
    # (DB_PREPARED_STATEMENTS=0) behind a pooler that hands one connection to many servers per
    # transaction, where a statement prepared on one may be missing on the next.
    if env_bool("DB_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts --------------------------------------------------------------------------
AUTH_USER_MODEL = "membership.User"
# ModelBackend's login; a session's account is read with its member profile (one query).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "membership.auth_backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Guide section 11: how many previous passwords may not be reused, and after how many days
# members are reminded to change their password.
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 3)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 120)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "membership.passwords.LengthValidator", "OPTIONS": {"min_length": 8, "max_length": 20}},
    {"NAME": "membership.passwords.HalfWidthValidator"},
    {"NAME": "membership.passwords.AllowedCharactersValidator"},
    {"NAME": "membership.passwords.UppercaseValidator"},
    {"NAME": "membership.passwords.DigitValidator"},
    {"NAME": "membership.passwords.HistoryValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600
LOGIN_URL = "member:login"
LOGIN_REDIRECT_URL = "member:dashboard"
LOGOUT_REDIRECT_URL = "member:login"
WAGTAIL_FRONTEND_LOGIN_URL = "/member/login"
WAGTAILADMIN_USER_LOGIN_FORM = "membership.admin_forms.AdminLoginForm"  # the password field in Japanese

# django-axes (OWASP ASVS 2.2.1; membership/lockouts.py): AXES_FAILURE_LIMIT failures lock the
# combination of account and network address, so one address cannot lock an account for the
# others; failures while locked do not count (the lock ends AXES_COOLOFF_TIME after the last
# counted failure). An account failing LOGIN_SLOWDOWN_AFTER times within the cool-off time, from
# any addresses, is slowed down to one attempt per LOGIN_SLOWDOWN_SECONDS (not locked).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "membership.lockouts.LockoutHandler"
LOGIN_SLOWDOWN_AFTER = env_int("LOGIN_SLOWDOWN_AFTER", 10)
LOGIN_SLOWDOWN_SECONDS = env_int("LOGIN_SLOWDOWN_SECONDS", 60)
AXES_LOCKOUT_CALLABLE = "membership.views.accounts.lockout"
AXES_USERNAME_CALLABLE = "membership.accounts.axes_username"
# The client address counted for lockouts: REMOTE_ADDR when the app faces clients directly;
# behind N reverse proxies (AXES_PROXY_COUNT=N), the address the outermost proxy saw, from
# X-Forwarded-For. Otherwise every login would seem to come from the proxy, and five failures
# by anyone would lock everyone out.
_AXES_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
if _AXES_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = _AXES_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_VERBOSE = False

# Staff two-factor login (membership.two_factor, django-otp): the name authenticator apps show.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "日本消化器内視鏡技師会")

# --- Sessions and security: config/security.py -----------------------------------------
from config.security import *  # noqa: E402, F403

# --- Mail --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "日本消化器内視鏡技師会 <noreply@example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Payment gateway: config/payment_gateway.py (docs/payment-gateway.md) -------------
from config.payment_gateway import *  # noqa: E402, F403
from config.payment_gateway import SANDBOX_DATABASE_URL  # noqa: E402

if SANDBOX_DATABASE_URL:  # the sandbox gateway's own database (payment_gateway.py says why)
    DATABASES["sandbox"] = dj_database_url.parse(SANDBOX_DATABASE_URL)
    if DATABASES["sandbox"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["sandbox"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASE_ROUTERS = ["gateway_sandbox.routers.SandboxRouter"]

# --- Background tasks ------------------------------------------------------------------
# "immediate" runs tasks in the request (development, tests); "database" queues them for
# `manage.py db_worker` (production).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}}
# An import job whose process has not reported progress for this long lost it (killed worker):
# it goes back to where staff can run it again or cancel it (imports/services.py).
IMPORTS_LEASE_SECONDS = env_int("IMPORTS_LEASE_SECONDS", 600)
# Member numbers are this many digits (0030002): an all-digit number typed shorter in a
# spreadsheet (Excel drops the zeros: 30002) is padded with zeros (membership/member_numbers.py).
# 0 turns the padding off. The members' login form never pads (the guide asks for the zeros).
MEMBER_NUMBER_DIGITS = env_int("MEMBER_NUMBER_DIGITS", 7)

# --- Language and time -----------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語")]
# Staff cannot pick another time zone for the admin: every time shown is Asia/Tokyo.
WAGTAIL_USER_TIME_ZONES = ["Asia/Tokyo"]
# The project's own Japanese (locale/ja) comes first: it fills in what Wagtail's and its
# libraries' Japanese catalogs lack (the admin would otherwise show English).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded import files (member lists, bank statements: personal data) live here, outside
# MEDIA_ROOT, readable by the app's user only, and have no URL: never serve this folder.
PRIVATE_FILES_ROOT = Path(os.environ.get("PRIVATE_FILES_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    "imports": {
        "BACKEND": "imports.storage.PrivateFileSystemStorage",
        "OPTIONS": dict(location=PRIVATE_FILES_ROOT, file_permissions_mode=0o600, directory_permissions_mode=0o700),
    },
}

# --- Wagtail -----------------------------------------------------------------------------
# The admin's search over pages, documents and images matches any part of a title or text
# (icontains), not words: Japanese has no spaces, and the full-text search of PostgreSQL and
# SQLite took a whole run of kana and kanji for one word (メンテナンス did not find
# システムメンテナンスのお知らせ). A society's pages and documents number in the hundreds.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database.fallback"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django.request": {"level": "ERROR"}, "membership": {"level": "INFO"}},
}
