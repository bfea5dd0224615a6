"""Settings for Restore.

Every value comes from the environment through restoreapp.env, with embedded
defaults that run everything on one machine with nothing installed:
SQLite under var/, media under var/media, console email, the django-q2 ORM broker.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from restoreapp.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RESTORE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SITE_URL_CONFIGURED = bool(os.environ.get("SITE_URL"))  # accounts.checks warns in production otherwise
SITE_NAME = env_str("SITE_NAME", "Restore")  # how emails name the service

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_bootstrap5",
    "bootstrap",
    "django_q",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "albums",
    "enhance",
    "enhance.capabilities",
    "billing",
    "showcase",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.form_status.InvalidFormStatusMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "restoreapp.urls"
WSGI_APPLICATION = "restoreapp.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # The worker cluster and the web server share this file: wait for locks
            # instead of failing at once, and use WAL so readers do not block writers.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Rate limits and shared rendered rows: an outage falls back to a per-process cache
    # (restoreapp/cache.py), and short socket timeouts keep a dead server from holding requests.
    redis_cache = {
        "BACKEND": "restoreapp.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    CACHES = {
        "default": redis_cache,
        # Rendered rows shared by every web worker and host (restoreapp/fragment_cache.py).
        "rows": {**redis_cache, "KEY_PREFIX": "rows"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # client address behind the proxy (restoreapp.client_ip)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# whitenoise warns at start-up when the collectstatic target is missing; in development
# it serves from the finders instead, so an empty folder is all it needs.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Media is never served from a public URL: every file goes through a view that
# checks ownership (albums.media_views). MEDIA_URL is deliberately unused.
MEDIA_URL = "/private-media-is-not-served/"

# Local media behind nginx: views check access, then answer with X-Accel-Redirect to this
# internal location and nginx sends the file (deploy/nginx/restore.conf). Off: Django
# streams it (development, or no proxy in front).
PRIVATE_MEDIA_ACCEL = env_bool("PRIVATE_MEDIA_ACCEL", False)
PRIVATE_MEDIA_ACCEL_LOCATION = env_str("PRIVATE_MEDIA_ACCEL_LOCATION", "/_private_media/")

STORAGE = env_str("STORAGE", "local")
if STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
        },
    }
elif STORAGE == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
else:
    raise ImproperlyConfigured(f"STORAGE must be 'local' or 's3', got {STORAGE!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- email ----------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL")
# Seconds an SMTP connection or command may take: a server that accepts and never answers
# must not hold the email task for long. `?timeout=N` in EMAIL_URL wins over this.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
if EMAIL_URL:
    from restoreapp.email_url import parse_email_url

    globals().update(parse_email_url(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Restore <no-reply@restore.local>")

# --- uploads --------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
# Request bodies larger than the cap are refused before Django reads them into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
THUMBNAIL_SIZE = 320
# Originals larger than this (long side, px) also get a JPEG this size that pages show instead.
PHOTO_DISPLAY_MAX_SIDE = 1600

# --- enhancement engine ---------------------------------------------------
WEIGHTS_DIR = Path(env_str("RESTORE_WEIGHTS_DIR", str(VAR_DIR / "weights")))
RESTORE_DEVICE = env_str("RESTORE_DEVICE", "cpu")
# The models this worker offers, by catalogue id (e.g. "waifu2x,realesrgan" for a small CPU host
# that should leave RealSR to the GPUs); empty = every model whose weights it has.
WORKER_MODELS = env_list("RESTORE_WORKER_MODELS", [])
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# A job handed back this many times after a sticky CUDA error (the worker's GPU context died
# under it) fails instead of going round again: the GPUs, or this photo on them, are at fault.
JOB_MAX_DEVICE_FAILURES = env_int("JOB_MAX_DEVICE_FAILURES", 3)
# A running job's worker touches Job.heartbeat this often; the reaper treats a running
# job whose heartbeat is older than JOB_STALE_SECONDS as orphaned (worker killed, host
# lost) and re-queues it, or fails it once it has used JOB_MAX_ATTEMPTS.
JOB_HEARTBEAT_SECONDS = env_float("JOB_HEARTBEAT_SECONDS", 5.0)
JOB_STALE_SECONDS = env_float("JOB_STALE_SECONDS", 45.0)
# On SIGTERM a worker finishes its running job only if it will within this many seconds,
# else hands it back to the queue at once; keep it below the stop timeout (systemd
# TimeoutStopSec=30 in deploy/systemd/restore-worker.service) with room to spare.
WORKER_STOP_GRACE_SECONDS = env_float("WORKER_STOP_GRACE_SECONDS", 20.0)
# CPU threads per worker process for PyTorch; 0 = the cores divided among Q_WORKERS
# (several workers each using every core only fight over them).
WORKER_TORCH_THREADS = env_int("RESTORE_TORCH_THREADS", 0)
GPU_HOUR_USD = env_float("GPU_HOUR_USD", 0.752)
# Worker capability records (enhance.capabilities): each worker process refreshes its record
# with every JOB_HEARTBEAT_SECONDS; a record silent for WORKER_STALE_SECONDS is no longer live,
# so web hosts stop offering what only that worker could run.
WORKER_STALE_SECONDS = env_float("WORKER_STALE_SECONDS", max(4 * JOB_HEARTBEAT_SECONDS, 10.0))
# Rendered rows and form fragments each process remembers (restoreapp/fragment_cache.py).
ROW_CACHE_SIZE = env_int("ROW_CACHE_SIZE", 20_000)
# Whole pages and API lists per person (restoreapp/response_cache.py): reused while the person's
# data version is unchanged, for at most this many seconds (what changes with time alone); 0: off.
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 10)
RESPONSE_CACHE_SIZE = env_int("RESPONSE_CACHE_SIZE", 500)  # per process; pages are 20-60 KB
# What an hour of a worker host costs, by device kind (the dashboard's cost: host-hours from
# the records' heartbeats times this price).
CPU_HOUR_USD = env_float("CPU_HOUR_USD", 0.10)
WORKER_HOUR_USD = {"cuda": GPU_HOUR_USD, "cpu": CPU_HOUR_USD}
# Scratch repair (BOPB's masked attention) takes time that grows with the square of the
# pixel count: on 2 CPU cores 0.5 MP took 28 s and 1 MP 108 s, so 4 MP would hit the
# 30-minute task limit. Each worker reads SCRATCH_REPAIR_MAX_PIXELS (CPU workers, default
# 2 MP) or SCRATCH_REPAIR_MAX_PIXELS_CUDA (GPU workers, default from the GPU's memory) from
# its own environment (enhance/engine/catalog/bopb.py) and publishes the limit in its
# capability record; web hosts refuse a photo above every live worker's limit at submit.
# A result's size is known before the job runs (ModelSpec.output_size): jobs whose result
# would be larger than the owner's plan allows are refused at submit (billing.plans).
OUTPUT_MAX_PIXELS_PRO = env_int("OUTPUT_MAX_PIXELS_PRO", 100_000_000)
OUTPUT_MAX_PIXELS_FREE = env_int("OUTPUT_MAX_PIXELS_FREE", 16_000_000)

# --- task queue (django-q2) -----------------------------------------------
# The queue message only wakes a worker; the Job row is the truth (see enhance/worker/).
# ORM broker by default: it works on SQLite and PostgreSQL and across hosts, and a
# message stays in the table until acknowledged, so a crash never loses it. Redis has
# no receipts: a worker that dies after popping a message loses it. Either way the
# reaper (enhance.worker.reaper) re-queues stale jobs and re-sends wake-ups for queued
# jobs that have none, from the Job rows.
Q_BROKER = env_str("Q_BROKER", "orm")
Q_CLUSTER = {
    "name": "restore",
    "workers": env_int("Q_WORKERS", 1),
    "recycle": 500,
    # timeout < retry: django-q2 kills a task after `timeout` seconds; an unacknowledged
    # message is handed out again after `retry` seconds. With retry <= timeout a slow
    # job's message would be redelivered while it still runs. (Redelivery is harmless
    # here anyway: the claim is a conditional UPDATE on the Job row.)
    "timeout": env_int("Q_TIMEOUT", 1800),
    "retry": env_int("Q_RETRY", 2100),
    # django-q2 alone retries a task that kills its worker forever (it never records
    # the attempt). One attempt per message, failures acknowledged: the reaper, which
    # counts Job.attempts, is the only retry path and stops at JOB_MAX_ATTEMPTS.
    "max_attempts": 1,
    "ack_failures": True,
    "queue_limit": 4,
    "bulk": 1,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
}
if Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
elif Q_BROKER == "redis":
    Q_CLUSTER["redis"] = REDIS_URL or "redis://127.0.0.1:6379/0"
else:
    raise ImproperlyConfigured(f"Q_BROKER must be 'orm' or 'redis', got {Q_BROKER!r}")

# --- billing --------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_PRICE_PRO = env_str("STRIPE_PRICE_PRO")

# --- REST API: restoreapp/settings_api.py ---------------------------------
from restoreapp.settings_api import REST_FRAMEWORK, REST_KNOX, SPECTACULAR_SETTINGS  # noqa: E402, F401

# --- security (production) ------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- hardening (issue 14): proxy, database, cache, email, CSP ----------------
# Proxies in front that append to X-Forwarded-For (the documented nginx: 1). The client
# address for allauth's limits, API throttles and anything keyed on it: restoreapp.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# A reused connection is tested before a request's first query (and before each worker
# task: django-q2 closes old connections first), so one the server dropped is replaced
# instead of failing the request. Long-running worker writes: restoreapp/db_retry.py.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)
# The same check without a round trip while the connection's socket is quiet
# (restoreapp/postgresql/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "restoreapp.postgresql"
    # `.iterator()` (every ModelChoiceField's options, e.g. the photo page's albums) would open a
    # server-side cursor: DECLARE ... WITH HOLD, FETCH and CLOSE, three round trips and a
    # materialised result for a few rows. Nothing here iterates a result too big to fetch at once.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Content-Security-Policy (no inline script or style, own assets only) and Permissions-Policy.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "restoreapp.security_headers.SecurityHeadersMiddleware")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django_q": {"level": env_str("Q_LOG_LEVEL", "WARNING")}},
}
