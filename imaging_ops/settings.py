"""Settings for Imaging Ops. Every value that varies comes from the environment (see README)."""

import secrets
import warnings
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from imaging_ops.beat import build_beat_schedule
from imaging_ops.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
        warnings.warn(
            f"SECRET_KEY is not set; generated a development key in {key_file}", stacklevel=1
        )
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()


def _audit_hmac_key() -> str:
    """The audit chain's key lives outside the database: the environment, or var/ in development."""
    key = env_str("AUDIT_HMAC_KEY")
    if key:
        return key
    key_file = VAR_DIR / "audit_hmac_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        warnings.warn(
            f"AUDIT_HMAC_KEY is not set; generated a development key in {key_file}. In production "
            "set it from a secret store: without it the audit chain cannot be verified.",
            stacklevel=1,
        )
    return key_file.read_text().strip()


AUDIT_HMAC_KEY = _audit_hmac_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "imaging_ops.apps.ImagingOpsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "imaging_ops.apps.ImagingOpsConfig",
    "training",
    "equipment",
    "compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "imaging_ops.web.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the message middleware: it tells the person why their session ended.
    "imaging_ops.web.middleware.AccountMayActMiddleware",
    "imaging_ops.web.middleware.AuditContextMiddleware",
    # Inside the audit context, so the logout it makes is audited with the request's address.
    "imaging_ops.security.session_idle.IdleTimeoutMiddleware",
    # Inside the audit context: each page an inspector reads is an audit event.
    "imaging_ops.web.middleware.InspectorViewAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "imaging_ops.urls"
WSGI_APPLICATION = "imaging_ops.wsgi.application"
AUTH_USER_MODEL = "imaging_ops.User"
AUTHENTICATION_BACKENDS = ["imaging_ops.security.backends.AccountBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "imaging_ops.web.navigation.navigation",
                "imaging_ops.notifications.services.unread_notifications",
            ],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, otherwise SQLite under var/ -------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the app's queries are short, and compiling the few that cross
        # PostgreSQL's cost threshold took longer (15 to 20 ms) than running them.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "imaging_ops.sqlite3",
            "OPTIONS": {
                # Writers queue instead of failing; WAL lets readers run beside one writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A record's attachments (service reports, certificates, images): each at most this size.
RECORD_ATTACHMENT_MAX_MB = env_int("RECORD_ATTACHMENT_MAX_MB", 10, minimum=1)
# A record entered longer than this after the work was done is flagged as a late entry.
RECORD_LATE_ENTRY_HOURS = env_int("RECORD_LATE_ENTRY_HOURS", 24, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Sessions and security -----------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_SECONDS", 12 * 3600, minimum=60)
# Signed out after this long without a request the person made (background polls do not count).
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 15, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24, minimum=1)

# --- Email: console by default, SMTP when EMAIL_HOST is set -----------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Imaging Ops <imaging-ops@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "imaging_ops.api.authentication.ExpiringTokenAuthentication",
        "imaging_ops.api.authentication.CheckedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "imaging_ops.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "imaging_ops.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "imaging_ops.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "Imaging Ops API",
    "DESCRIPTION": "Equipment, sites and maintenance records of medical imaging departments.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are for signed-in people and API clients, like the API itself.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI is served from the installed package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EquipmentStatusEnum": "equipment.models.status.EquipmentStatus",
        "AcceptanceOutcomeEnum": "equipment.models.acceptance.AcceptanceOutcome",
        "ResultEnum": "equipment.limits.Outcome",
        "ProcedureKindEnum": "equipment.models.procedures.ProcedureKind",
        "CheckKindEnum": "equipment.models.procedures.CheckKind",
        "CategoryEnum": "equipment.models.registry.Category",
        "RoleEnum": "imaging_ops.vocabulary.Role",
        "AnchorEnum": "equipment.scheduling.Anchor",
        "PresetEnum": "equipment.scheduling.Preset",
        "ModalityEnum": "imaging_ops.vocabulary.Modality",
        "AreaClassEnum": "imaging_ops.vocabulary.AreaClass",
        "CourseCategoryEnum": "training.models.courses.CourseCategory",
        "RequirementBasisEnum": "training.models.courses.RequirementBasis",
        "LogKindEnum": "compliance.models.logs.LogKind",
        "LogStateEnum": "compliance.models.logs.LogState",
    },
}

# --- Celery: Redis when REDIS_URL is set, otherwise a filesystem broker under var/broker/ ---
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # Broadcast (control) messages live beside the queue, not in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = build_beat_schedule()


# --- Cache: the rate limits' counts (imaging_ops/security/rate_limits.py). With REDIS_URL,
# Redis, so that every web worker counts together: the same server as Celery's broker, in the
# next database number (broker db 0 -> cache db 1), so that clearing the cache never touches
# the queue. Without it, each process's own memory.
def _cache_url(broker_url: str) -> str:
    parsed = urlparse(broker_url)
    path = parsed.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunparse(parsed._replace(path=f"/{(db + 1) % 16}"))


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url(REDIS_URL),
            "KEY_PREFIX": "imaging-ops",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

RATE_LIMIT_TOKEN_PER_MINUTE = env_int("RATE_LIMIT_TOKEN_PER_MINUTE", 30, minimum=1)
RATE_LIMIT_VERIFY_PER_MINUTE = env_int("RATE_LIMIT_VERIFY_PER_MINUTE", 30, minimum=1)
RATE_LIMIT_PASSWORD_RESET_PER_HOUR = env_int("RATE_LIMIT_PASSWORD_RESET_PER_HOUR", 5, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Account security: lockout after repeated failed sign-ins or signatures -----------------
LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 5, minimum=1)
LOCKOUT_WINDOW_MINUTES = env_int("LOCKOUT_WINDOW_MINUTES", 15, minimum=1)
LOCKOUT_COOLDOWN_MINUTES = env_int("LOCKOUT_COOLDOWN_MINUTES", 30, minimum=1)
SECURITY_CONTACT_EMAIL = env_str("SECURITY_CONTACT_EMAIL")

# --- Reminders (compliance): the sweep's batches, leases, lead and escalation days -----------
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 500, minimum=1)
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300, minimum=10)
REMINDER_LEAD_DAYS = env_int("REMINDER_LEAD_DAYS", 14, minimum=0)
REMINDER_ESCALATE_AFTER_DAYS = env_int("REMINDER_ESCALATE_AFTER_DAYS", 7, minimum=1)

# --- Signed PDFs: the facility's key and certificate (PEM paths) and a timestamp authority ----
# Unset, a self-signed development pair is made under var/signing/ and every signed PDF says it
# carries a development signature; `manage.py check --deploy` warns of it (imaging_ops/checks.py).
SIGNING_KEY_PATH = env_str("IMAGING_OPS_SIGNING_KEY")
SIGNING_CERT_PATH = env_str("IMAGING_OPS_SIGNING_CERT")
SIGNING_KEY_PASSWORD = env_str("IMAGING_OPS_SIGNING_KEY_PASSWORD")
if bool(SIGNING_KEY_PATH) != bool(SIGNING_CERT_PATH):
    raise ImproperlyConfigured(
        "Set both IMAGING_OPS_SIGNING_KEY and IMAGING_OPS_SIGNING_CERT, or neither."
    )
SIGNING_TSA_URL = env_str("IMAGING_OPS_TSA_URL")

# --- Regulatory logs (compliance): above this many entries a log is made by a Celery task ----
LOG_ASYNC_ENTRIES = env_int("IMAGING_OPS_LOG_ASYNC_ENTRIES", 500, minimum=1)
