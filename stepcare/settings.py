"""Stepcare settings: one module, configured only by environment variables.

Every value has a safe default for the embedded (SQLite, one machine) set-up. With
``STEPCARE_ENV=production`` the settings refuse to start unless the values a real service
needs are present and sound, and say which is wrong and how to fix it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Lets Django's generic classes be subscripted at run time (ModelForm[Patient] ...).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a true/false value; use 'true' or 'false'.")


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def _env_json(name: str, default: dict[str, str]) -> dict[str, str]:
    raw = _env(name)
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON ({exc.msg}).") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ImproperlyConfigured(
            f'{name} must be a JSON object of strings, e.g. {{"reminder:sms": "..."}}.'
        )
    return value


STEPCARE_ENV = _env("STEPCARE_ENV", "development")
if STEPCARE_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"STEPCARE_ENV={STEPCARE_ENV!r}: expected 'development', 'test' or 'production'."
    )
PRODUCTION = STEPCARE_ENV == "production"

DEBUG = _env_bool("DEBUG", default=False)
SECRET_KEY = _env("SECRET_KEY") or (
    "" if PRODUCTION else "stepcare-development-key-not-for-production-use-0123456789"
)
ALLOWED_HOSTS = [h.strip() for h in _env("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'stepcare.sqlite3'}",
        conn_max_age=_env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time; wait for the lock rather than fail, and use WAL for readers.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

REDIS_URL = _env("REDIS_URL")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "stepcare.accounts",
    "stepcare.audit",
    "stepcare.patients",
    "stepcare.referrals",
    "stepcare.scheduling",
    "stepcare.records",
    "stepcare.demo",
    "stepcare.outcomes",
    "stepcare.supervision",
    "stepcare.reporting",
    "stepcare.api",
    "stepcare.exports",
    "stepcare",
]
FORM_RENDERER = "stepcare.rendering.NHSFormRenderer"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stepcare.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "stepcare.accounts.middleware.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "stepcare.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stepcare.urls"
WSGI_APPLICATION = "stepcare.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stepcare.accounts.context_processors.navigation",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: stored in the database so any app server can serve any request. Idle and
# absolute limits are enforced server-side by SessionLimitsMiddleware.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT_SECONDS = 30 * 60
SESSION_ABSOLUTE_TIMEOUT_SECONDS = 12 * 60 * 60
SESSION_LAST_SEEN_REFRESH_SECONDS = 60  # the idle clock is written at most once a minute
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failed sign-ins (django-axes).
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = _env_bool("AXES_ENABLED", default=True)
AXES_IPWARE_PROXY_COUNT = _env_int("PROXY_COUNT", 0)

# MFA: TOTP for every staff account. OTP_TOTP_ISSUER is what authenticator apps show.
OTP_TOTP_ISSUER = _env("OTP_TOTP_ISSUER", "Stepcare")
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %m %Y", "%d %b %Y", "%d %B %Y"]

STATIC_URL = "/static/"
# Where collectstatic writes (and WhiteNoise serves from) in production.
STATIC_ROOT = Path(_env("STATIC_ROOT")) if _env("STATIC_ROOT") else PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (Celery). With REDIS_URL, jobs go to workers through Redis; without it (the
# embedded default) each job runs at once in the process that queued it.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/London"
# Texts and emails to patients: GOV.UK Notify in production, a fake that sends nothing otherwise.
NOTIFY_API_KEY = _env("NOTIFY_API_KEY")
# GOV.UK Notify template ids, as JSON: {"reminder:sms": "<uuid>", "reminder:email": "<uuid>", ...}
NOTIFY_TEMPLATE_IDS = _env_json("NOTIFY_TEMPLATE_IDS", {})
# Video appointments: the joining link is this address followed by a code per appointment.
VIDEO_BASE_URL = _env("VIDEO_BASE_URL", "https://video.example.invalid/join/")
# The public referral form: the least time a person takes to fill it in, and how many forms
# one address may send in an hour.
REFERRAL_FORM_MIN_SECONDS = _env_int("REFERRAL_FORM_MIN_SECONDS", 4)
REFERRAL_FORM_RATE_LIMIT_PER_HOUR = _env_int("REFERRAL_FORM_RATE_LIMIT_PER_HOUR", 10)
# The service's phone number and opening hours, shown wherever the public forms say "phone us".
SERVICE_PHONE = _env("SERVICE_PHONE", "" if PRODUCTION else "0300 555 0199 (demo number)")
SERVICE_OPENING_HOURS = _env("SERVICE_OPENING_HOURS", "Monday to Friday, 9am to 5pm")
# The clinical record: drafts unsigned for longer than this many days are listed for their
# author and supervisors; the service's own crisis contacts printed on every safety plan, as
# JSON: {"Mental health crisis line (24 hours)": "0800 000 0000"}.
RECORDS_DRAFT_OVERDUE_DAYS = _env_int("RECORDS_DRAFT_OVERDUE_DAYS", 3)
# Supervision: a trainee's signed session notes and assessments need their supervisor's
# countersignature (docs/adr/0016); a service that does not require it sets this false.
SUPERVISION_TRAINEE_COUNTERSIGNATURE = _env_bool("SUPERVISION_TRAINEE_COUNTERSIGNATURE", default=True)
# Expected-response curves a service has checked, per measure, replacing Stepcare's illustrative
# default for not on track (docs/adr/0016), as JSON:
# {"GAD-7": {"upper": {"3": 1.0, "6": 0.85}, "source": "Service curve, checked 2026"}}.
try:
    OUTCOMES_EXPECTED_CURVES = json.loads(_env("OUTCOMES_EXPECTED_CURVES") or "{}")
except json.JSONDecodeError as exc:
    raise ImproperlyConfigured(f"OUTCOMES_EXPECTED_CURVES is not valid JSON ({exc.msg}).") from None
RECORDS_CRISIS_CONTACTS = _env_json("RECORDS_CRISIS_CONTACTS", {})
# Letters signed but not recorded as sent (post, secure email, by hand) for longer than this
# many days are listed for their author beside the unsigned drafts.
RECORDS_UNSENT_LETTER_DAYS = _env_int("RECORDS_UNSENT_LETTER_DAYS", 2)
# NICE session ranges a service has checked, overriding the defaults in records/nice.py, as
# JSON: {"cbt:F41.1": "12-15 | NICE CG113, checked 2026"} (either end may be left empty).
RECORDS_SESSION_RANGES = _env_json("RECORDS_SESSION_RANGES", {})
# Outcome measures: a JSON file of the service's own thresholds (with sources) and one of the
# licensed item wording it holds (docs/measures.md). Unset: the built-in definitions.
STEPCARE_MEASURES_CONFIG = _env("STEPCARE_MEASURES_CONFIG")
STEPCARE_MEASURES_WORDING = _env("STEPCARE_MEASURES_WORDING")
# Export jobs' result files (the national dataset names patients: keep this folder private and
# readable only by the Stepcare user).
STEPCARE_EXPORTS_DIR = Path(_env("STEPCARE_EXPORTS_DIR", str(PROJECT_DIR / "var" / "exports")))
# Export files are deleted this many days after they were made (Celery beat, hourly); a job not
# started or silent for this many minutes is shown as stalled (no background worker?).
STEPCARE_EXPORTS_KEEP_DAYS = _env_int("STEPCARE_EXPORTS_KEEP_DAYS", 7)
# The KPI dashboard's figures are kept this many seconds for the same teams, period and filters
# (the page says when they were computed); 0 counts them on every view (the test default).
REPORTING_DASHBOARD_CACHE_SECONDS = _env_int(
    "REPORTING_DASHBOARD_CACHE_SECONDS", 0 if STEPCARE_ENV == "test" else 300
)
STEPCARE_EXPORTS_STALLED_MINUTES = _env_int("STEPCARE_EXPORTS_STALLED_MINUTES", 30)
NOTIFICATION_ADAPTER = (
    "stepcare.scheduling.notifications.GovUkNotifyAdapter"
    if NOTIFY_API_KEY
    else "stepcare.scheduling.notifications.FakeNotifyAdapter"
)
CELERY_BEAT_SCHEDULE = {
    "appointment-reminders": {
        "task": "stepcare.scheduling.tasks.send_due_reminders",
        "schedule": 15 * 60,  # seconds
    },
    "export-files-expiry": {
        "task": "stepcare.exports.tasks.expire_export_files",
        "schedule": 60 * 60,  # seconds
    },
    # A new day's expected-response curves, computed before the first caseload asks for them
    # (seconds of work at service scale); a run finding them cached does nothing.
    "expected-curves": {
        "task": "stepcare.outcomes.tasks.warm_expected_curves",
        "schedule": 15 * 60,  # seconds
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    _problems = []
    if len(SECRET_KEY) < 50:
        _problems.append("SECRET_KEY must be set to a random string of at least 50 characters")
    if DEBUG:
        _problems.append("DEBUG must be false")
    if not _env("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        _problems.append("DATABASE_URL must point at PostgreSQL (postgresql://user:pass@host/db)")
    if not REDIS_URL:
        _problems.append("REDIS_URL must be set (redis://host:6379/0) for jobs and the cache")
    if not _env("ALLOWED_HOSTS"):
        _problems.append("ALLOWED_HOSTS must list the host names the service answers to")
    if NOTIFY_API_KEY and not NOTIFY_TEMPLATE_IDS:
        _problems.append(
            "NOTIFY_TEMPLATE_IDS must name the GOV.UK Notify templates when NOTIFY_API_KEY is set"
        )
    if ".invalid/" in VIDEO_BASE_URL:
        _problems.append("VIDEO_BASE_URL must be your video service's joining address (https://…/join/)")
    if not AXES_ENABLED:
        _problems.append("AXES_ENABLED cannot be false: lockout after failed sign-ins is required")
    if AXES_IPWARE_PROXY_COUNT > 0 and not CSRF_TRUSTED_ORIGINS:
        _problems.append(
            "CSRF_TRUSTED_ORIGINS must list the public address (https://stepcare.example.nhs.uk) "
            "when PROXY_COUNT says a proxy is in front"
        )
    if AXES_IPWARE_PROXY_COUNT < 0:
        _problems.append("PROXY_COUNT cannot be negative")
    if not SERVICE_PHONE:
        _problems.append("SERVICE_PHONE must be the number people call about their referral")
    if _problems:
        raise ImproperlyConfigured(
            "Production configuration is incomplete:\n  - "
            + "\n  - ".join(_problems)
            + "\nSee .env.example and the README's 'Configuration' section."
        )
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Load balancers may check health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]

# Outside production, serve static files straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Security headers: a Content-Security-Policy (nonces, no 'unsafe-inline') on every response and
# Cache-Control: no-store on every signed-in response (stepcare/security.py). Placed just after
# Django's SecurityMiddleware so responses made by later layers get the headers too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "stepcare.security.SecurityHeadersMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("stepcare.security.nonce")  # type: ignore[index]

# Django's admin (organisation, teams, sites, rooms): reachable only when ADMIN_ENABLED is true.
# Off by default in production, on elsewhere (docs/adr/0011-security-headers-and-admin.md).
ADMIN_ENABLED = _env_bool("ADMIN_ENABLED", default=not PRODUCTION)
if PRODUCTION:
    # HSTS with preload: Stepcare is only ever served over HTTPS (docs/adr/0011). Submitting the
    # domain to the browsers' preload list stays the operator's decision.
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=True)
# django-otp's own admin screens: never show a device's secret key (Stepcare replaces them too).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# REST API: requests per personal access token per window (0 turns the limit off).
API_RATE_LIMIT = _env_int("API_RATE_LIMIT", 120)
API_RATE_WINDOW_SECONDS = _env_int("API_RATE_WINDOW_SECONDS", 60)
