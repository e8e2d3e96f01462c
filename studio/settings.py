"""The studio's only settings file.

Every value comes from the environment (documented in `.env.example`). With nothing set, the
studio runs on the embedded default: SQLite and a filesystem Celery broker under `var/`, media
under `var/media/`, the offline renderer as the only provider, DEBUG on, bound to 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STUDIO_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def database_from_url(url: str) -> dict:
    """postgres://user:pass@host:port/name?sslmode=require -> a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgres://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "studio",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
        "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }


# --- Core -------------------------------------------------------------------------------------

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envsecret("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "studio",
    "shots",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "billing.context_processors.credits",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "studio.sqlite3",
            # Web and worker write concurrently on the embedded default: wait for the lock.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

# --- Auth -------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project-list"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Media is never served by URL directly: every file goes through a view that checks the
# project membership. In production that view answers with X-Accel-Redirect to this prefix,
# an `internal` location in nginx (deploy/nginx.conf).
MEDIA_URL = "/media/"
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")  # e.g. "/protected-media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("STORAGE_BACKEND") == "s3":  # pragma: no cover - needs django-storages
    # S3-compatible storage (AWS, MinIO, R2) through django-storages:
    # pip install django-storages[s3]
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": envsecret("S3_ACCESS_KEY"),
            "secret_key": envsecret("S3_SECRET_KEY"),
            "querystring_auth": True,
        },
    }

# Uploaded images (panels, character references) are decoded with Pillow before they are kept.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_PIXELS = envint("UPLOAD_MAX_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery -----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        # Longer than any countdown or ETA the pipeline uses, so Redis never re-delivers a
        # message that is only waiting for its time (celery docs: "Visibility timeout").
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
    }
else:
    # The embedded default: kombu's filesystem transport needs no server, only its folders.
    for folder in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # Broadcast (worker control) messages; kombu's default is ./control in the working dir.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE: dict = {}
# Billing (billing/tasks.py): period renewals, expired holds of takes no longer running, and a
# read-only reconciliation that logs any account whose balance drifted from its ledger.
CELERY_BEAT_SCHEDULE["billing-renew-subscriptions"] = {
    "task": "billing.tasks.renew_subscriptions",
    "schedule": 5 * 60.0,
}
CELERY_BEAT_SCHEDULE["billing-sweep-holds"] = {
    "task": "billing.tasks.sweep_holds",
    "schedule": 5 * 60.0,
}
CELERY_BEAT_SCHEDULE["billing-reconcile"] = {
    "task": "billing.tasks.reconcile_ledger",
    "schedule": 60 * 60.0,
}
# Tests and benchmarks give each run its own queue so parallel runs never eat each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
# Celery closes the database connection before and after every task unless told to reuse it,
# and a new PostgreSQL connection per task costs more than a pipeline step itself. Reused
# connections are still closed every 2 x this many tasks.
CELERY_DB_REUSE_MAX = 500
# The generation pipeline's sweeper: re-drives takes whose last look is stale (lost messages, dead
# workers) and fails takes past their deadline (shots/renders.py sweep_takes).
CELERY_BEAT_SCHEDULE["shots-sweep-takes"] = {"task": "shots.tasks.sweep_takes", "schedule": 60.0}

# --- Providers --------------------------------------------------------------------------------

# Each provider is one module behind shots.providers.base.VideoProvider. A provider switched off
# refuses new takes with a clear message; takes already in flight finish.
LOCAL_PROVIDER_ENABLED = envbool("LOCAL_PROVIDER_ENABLED", True)

# The registry: provider name -> class. A provider NAME is switched off by NAME_PROVIDER_ENABLED=0
# (read as settings.<NAME>_PROVIDER_ENABLED, default on); a single model by listing it as
# "provider/model" in DISABLED_MODELS. Either way new takes are refused; takes in flight finish.
VIDEO_PROVIDERS: dict[str, str] = {"local": "shots.providers.local.LocalProvider"}
DISABLED_MODELS = envlist("DISABLED_MODELS")  # e.g. "local/animatic"
# Where the offline renderer keeps its jobs (spec, progress, output) between submit and fetch.
# Every worker must see the same folder (one worker container, or a shared volume).
LOCAL_RENDER_DIR = Path(os.environ.get("LOCAL_RENDER_DIR", VAR_DIR / "renders"))

# The pipeline's clocks (shots/renders.py). A take not finished TAKE_DEADLINE_SECONDS after it was
# asked for fails with a clear message; a take nobody looked at for TAKE_STALE_SECONDS past its
# next planned look is re-driven by the sweeper. A provider is asked to create a take at most
# TAKE_MAX_SUBMITS times (a worker killed between the provider's answer and our save is the only
# way to need a second one).
TAKE_DEADLINE_SECONDS = envint("TAKE_DEADLINE_SECONDS", 60 * 60)
TAKE_STALE_SECONDS = envint("TAKE_STALE_SECONDS", 90)
TAKE_MAX_SUBMITS = envint("TAKE_MAX_SUBMITS", 5)
# How long a worker holds a take while it runs one step (longer than that task's hard time limit,
# so a live worker never loses its lease; a dead one's lease runs out and the sweeper re-drives).
TAKE_POLL_LEASE_SECONDS = envint("TAKE_POLL_LEASE_SECONDS", 120)
TAKE_DOWNLOAD_LEASE_SECONDS = envint("TAKE_DOWNLOAD_LEASE_SECONDS", 20 * 60)
# A local render whose progress has not moved for this long is started again (its worker died).
LOCAL_RENDER_STALE_SECONDS = envint("LOCAL_RENDER_STALE_SECONDS", 120)

# Timeout of every outbound call to a provider (shorter than a poll's lease).
HTTP_TIMEOUT_SECONDS = float(os.environ.get("HTTP_TIMEOUT_SECONDS", "30"))

# --- Security ---------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is the operator's choice: once a domain is on browsers' list it is slow to
        # leave, so it is opt-in (SECURE_HSTS_PRELOAD=1) and its warning is not an error.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    }

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
