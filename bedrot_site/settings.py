"""Bedrot settings: one module, every value from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from bedrot_site.env import env_bool, env_int, env_list, env_path, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("BEDROT_VAR_DIR", BASE_DIR / "var")

# --- core -----------------------------------------------------------------------------------
BEDROT_ENV = env_str("BEDROT_ENV", "development", choices=("development", "production"))
IS_PRODUCTION = BEDROT_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", False)
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", None if IS_PRODUCTION else _DEV_SECRET_KEY) or ""
if IS_PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required in production"
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Fernet keys for stored credentials, kept apart from SECRET_KEY (first encrypts, all decrypt).
# Empty in development: a key derived from SECRET_KEY; production refuses to use credentials.
CREDENTIAL_KEYS = [
    key.strip() for key in (env_secret("BEDROT_CREDENTIAL_KEYS") or "").split(",") if key.strip()
]

INSTALLED_APPS = [
    # Daphne's `runserver`, imported only when it runs (the `daphne` app costs every process
    # about 0.5 s of start-up); must stay above staticfiles.
    "bedrot_site.devserver",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "django_celery_results",
    "channels",
    "axes",
    "csp",
    "apps.health",
    "apps.sources",
    "apps.lake",
    "apps.warehouse",
    "apps.kpis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which serves its own pre-compressed static files: pages and API answers
    # (five years of daily streams is 2.4 MB of JSON, 200 KB gzipped). Django's BREACH
    # mitigation pads each compressed response; CSRF tokens are masked per response anyway.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.kpis.middleware.StaffOnlyPagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bedrot_site.urls"
ASGI_APPLICATION = "bedrot_site.asgi.application"
WSGI_APPLICATION = None

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "kpis:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Brute-force protection (django-axes): lock a username from one IP after 5 failures for 1 h.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Security headers; production adds HTTPS-only cookies and HSTS.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie (forms and upload.js send the form field), so hide it too.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HTTPS = env_bool("BEDROT_HTTPS", IS_PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Upload limits: refuse oversized bodies before anything is stored.
UPLOAD_MAX_BYTES = env_int("BEDROT_UPLOAD_MAX_BYTES", 256 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("BEDROT_UPLOAD_MAX_FILES", 20, minimum=1)
# Uploads are processed by the Celery worker; false runs every zone inside the request.
UPLOAD_ASYNC = env_bool("BEDROT_UPLOAD_ASYNC", True)

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bedrot.sqlite3'}")
try:
    _database = environ.Env.db_url_config(DATABASE_URL)
except (ImproperlyConfigured, KeyError, ValueError):
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:/// URL") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and IMMEDIATE transactions let the web server, worker and beat share one file.
    _database["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file test database, so a daphne or worker subprocess in a test can open it too.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test-bedrot.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # 0 by default: persistent connections are kept per thread, and under daphne idle request
    # threads piled up connections until PostgreSQL refused new ones (bench B3, 32 clients).
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
    # A connection pool per process (psycopg_pool) for the web server, whose requests each
    # would otherwise start a PostgreSQL backend. Off (0) by default: Celery's forked workers
    # keep one connection per process, and a pool opened before a fork must not be shared.
    _pool_size = env_int("DATABASE_POOL_SIZE", 0, minimum=0)
    if _pool_size and _database["CONN_MAX_AGE"]:
        raise ImproperlyConfigured("DATABASE_POOL_SIZE needs DATABASE_CONN_MAX_AGE=0")
    if _pool_size:
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            "timeout": 30,
        }
else:
    raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:/// URL")
DATABASES = {"default": _database}
IS_POSTGRES = _database["ENGINE"] == "django.db.backends.postgresql"

# --- cache and Redis ------------------------------------------------------------------------
# Without REDIS_URL the product uses the embedded Redis that `make run` starts on this socket.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = env_str("REDIS_URL", f"unix://{EMBEDDED_REDIS_SOCKET}")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
# Django's RedisCache with one connection pool per process (bedrot_site/cache.py): the stock
# backend opened a Redis connection per request under ASGI.
CACHES = {
    "default": {
        "BACKEND": "bedrot_site.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "bedrot",
        "TIMEOUT": 3600,
    }
}

# --- Celery ---------------------------------------------------------------------------------
TASK_SOFT_TIME_LIMIT_S = env_int("CELERY_TASK_SOFT_TIME_LIMIT_S", 600, minimum=1)
TASK_HARD_TIME_LIMIT_S = env_int("CELERY_TASK_HARD_TIME_LIMIT_S", 720, minimum=1)
if TASK_HARD_TIME_LIMIT_S <= TASK_SOFT_TIME_LIMIT_S:
    raise ImproperlyConfigured("CELERY_TASK_HARD_TIME_LIMIT_S must exceed the soft limit")
# A message unacknowledged this long is redelivered: it must outlast the longest task and retry.
BROKER_VISIBILITY_TIMEOUT_S = env_int("CELERY_VISIBILITY_TIMEOUT_S", 3600, minimum=60)
CELERY_BROKER_URL = (
    REDIS_URL.replace("unix://", "redis+socket://", 1)
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT_S}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = TASK_SOFT_TIME_LIMIT_S
CELERY_TASK_TIME_LIMIT = TASK_HARD_TIME_LIMIT_S
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Channels -------------------------------------------------------------------------------
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "bedrot:channels"},
    }
}

# --- DRF ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bedrot_site.authentication.MemoTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.health.api_errors.bedrot_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
# Seconds a web process may reuse a token's user before reading it again. A token or user
# changed through the ORM (admin, drf_create_token -r) is refused at once everywhere; one changed
# behind the ORM's back within this time. 0 reads the token on every request, as DRF does.
API_TOKEN_MEMO_S = env_int("BEDROT_API_TOKEN_MEMO_S", 5, minimum=0)
# Memory each web process may hold of repeat KPI answers served in front of Django (MiB).
KPI_EDGE_CACHE_BYTES = env_int("BEDROT_KPI_EDGE_CACHE_MB", 64, minimum=1) * 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Bedrot API",
    "DESCRIPTION": "Revenue, streaming, marketing, audience and pipeline health for the label.",
    "VERSION": "0.1.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from local static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The sale-month status is one enum wherever it appears (monthly series, ledger).
    "ENUM_NAME_OVERRIDES": {"MonthStatusEnum": ["reported", "pending", "late"]},
    # Request bodies get their own components, so an upload's file is `format: binary`.
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses and blank query values are documented on every operation (SPEC 7 R3).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bedrot_site.openapi.document_error_responses",
    ],
}

# --- storage and lake -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
LAKE_ROOT = env_path("LAKE_ROOT", VAR_DIR / "lake")
LAKE_S3_BUCKET = env_str("LAKE_S3_BUCKET", "")
_lake_storage: dict[str, object]
if LAKE_S3_BUCKET:
    _lake_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": LAKE_S3_BUCKET,
            "endpoint_url": env_str("LAKE_S3_ENDPOINT_URL", "") or None,
            "access_key": env_secret("LAKE_S3_ACCESS_KEY_ID"),
            "secret_key": env_secret("LAKE_S3_SECRET_ACCESS_KEY"),
            "region_name": env_str("LAKE_S3_REGION", "us-east-1"),
            "file_overwrite": True,
            "default_acl": None,
        },
    }
else:
    _lake_storage = {
        "BACKEND": "apps.lake.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": str(LAKE_ROOT), "directory_permissions_mode": 0o700},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "lake": _lake_storage,
}
# Scratch space for parsing (pandas/pyarrow need local files); never part of the lake.
LAKE_WORK_DIR = env_path("BEDROT_WORK_DIR", VAR_DIR / "work")
# Files dropped here are picked up into landing by a beat task (moved to .done/ or .rejected/).
LAKE_DROP_DIR = env_path("BEDROT_LAKE_DROP_DIR", VAR_DIR / "drop")
# Retention policy (SPEC 3.4), in days.
LAKE_RETENTION_LANDING_DAYS = env_int("BEDROT_LAKE_RETENTION_LANDING_DAYS", 7, minimum=1)
LAKE_RETENTION_STAGING_DAYS = env_int("BEDROT_LAKE_RETENTION_STAGING_DAYS", 90, minimum=1)
LAKE_RETENTION_ARCHIVE_DAYS = env_int("BEDROT_LAKE_RETENTION_ARCHIVE_DAYS", 400, minimum=1)
LAKE_RETENTION_SANDBOX_DAYS = env_int("BEDROT_LAKE_RETENTION_SANDBOX_DAYS", 30, minimum=1)
# Days a dismissed quarantined file's landing copy stays after the dismissal (raw keeps it).
LAKE_RETENTION_QUARANTINE_DAYS = env_int("BEDROT_LAKE_RETENTION_QUARANTINE_DAYS", 90, minimum=1)
REPORTS_DIR = env_path("BEDROT_REPORTS_DIR", VAR_DIR / "reports")
CHROMIUM_PATH = env_str("BEDROT_CHROMIUM_PATH", "/usr/bin/chromium")
# Graph API version the Meta Ads and Instagram extractors call (v19.0 or later).
META_GRAPH_API_VERSION = env_str("BEDROT_META_GRAPH_VERSION", "v21.0")
# Where each browser extractor finds its vendor (tests point these at fake servers on
# 127.0.0.1), and the longest one page load, click or download may take.
BROWSER_SOURCE_BASE_URLS = {
    "distrokid": env_str("DISTROKID_BASE_URL", "https://distrokid.com"),
    "toolost": env_str("TOOLOST_BASE_URL", "https://toolost.com"),
    "spotify": env_str("SPOTIFY_ARTISTS_BASE_URL", "https://artists.spotify.com"),
    "tiktok": env_str("TIKTOK_BASE_URL", "https://www.tiktok.com"),
    "linktree": env_str("LINKTREE_BASE_URL", "https://linktr.ee"),
}
BROWSER_TIMEOUT_S = env_int("BEDROT_BROWSER_TIMEOUT_S", 60, minimum=1)
# Seconds a browser login keeps a 2FA prompt open for a code entered on the credential page;
# 0 hands the prompt to a human at once (keep it under the task's soft time limit).
BROWSER_TWO_FACTOR_WAIT_S = env_int("BEDROT_BROWSER_2FA_WAIT_S", 0, minimum=0)
# Longest random delay (seconds) before a scheduled browser extraction starts (SPEC 2.0).
BROWSER_START_JITTER_S = env_int("BEDROT_BROWSER_START_JITTER_S", 1800, minimum=0)

# --- health notifications (SPEC 6.6) ---------------------------------------------------------
# Absolute links in notifications point here.
BEDROT_BASE_URL = env_str("BEDROT_BASE_URL", "http://localhost:8000")
# Email goes through Django's SMTP backend; an empty recipient list turns email off.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bedrot@localhost")
BEDROT_NOTIFY_EMAIL_TO = env_list("BEDROT_NOTIFY_EMAIL_TO", "")
_SEVERITIES = ("info", "warning", "high", "critical")
BEDROT_NOTIFY_EMAIL_MIN_SEVERITY = env_str(
    "BEDROT_NOTIFY_EMAIL_MIN_SEVERITY", "warning", choices=_SEVERITIES
)
# secret (the URLs embed their tokens). Comma-separated; prefix slack=, discord= or json= to
# choose the body, else hooks.slack.com and discord.com are recognised and others get JSON.
BEDROT_NOTIFY_WEBHOOK_URLS = env_list("BEDROT_NOTIFY_WEBHOOK_URLS", "")
BEDROT_NOTIFY_WEBHOOK_MIN_SEVERITY = env_str(
    "BEDROT_NOTIFY_WEBHOOK_MIN_SEVERITY", "warning", choices=_SEVERITIES
)
# The same (type, source, account, subject) is re-sent only after this many seconds.
BEDROT_NOTIFY_COOLOFF_S = env_int("BEDROT_NOTIFY_COOLOFF_S", 6 * 3600, minimum=0)
BEDROT_NOTIFY_TIMEOUT_S = env_int("BEDROT_NOTIFY_TIMEOUT_S", 10, minimum=1)

# --- logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
