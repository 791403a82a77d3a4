"""Settings shared by every environment, read from environment variables (12-factor).

No secrets and no production defaults live here: see local.py, test.py and production.py.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "accounts",
    "plans",
    "scoring",
    "kam.demo",
    "kam.bench",
]

MIDDLEWARE = [
    "kam.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Safe requests may read the run's results from the read replica (kam/replica.py).
    "kam.replica.ReplicaReadsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A service's PermissionDenied out of a page is the 403 page (kam/permissions.py).
    "kam.permissions.PermissionDeniedMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 "locked out" answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"
ASGI_APPLICATION = "kam.asgi.application"

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
                "kam.context_processors.kam",
            ],
            # kam/ is not an app: its template tags are named here.
            "libraries": {
                "kam_format": "kam.templatetags.kam_format",
                "permissions": "kam.templatetags.permissions",
            },
        },
    },
]

# DATABASE_URL, e.g. postgres://user:pass@host:5432/kam; default: SQLite file in the project.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'kam.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a Celery-inline task writes; a busy timeout avoids
    # "database is locked" under the few concurrent writers a local install sees.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# DATABASE_REPLICA_URL: a streaming read replica of the primary. The dashboards', lists' and
# API's reads of the scoring run's results go to it (kam/replica.py); everything else, and every
# read just after the reader's own write, stays on the primary.
KAM_READ_REPLICA = bool(os.environ.get("DATABASE_REPLICA_URL"))
if KAM_READ_REPLICA:
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# No JIT compilation for the web's and workers' queries: a page's query that PostgreSQL
# estimates as costly (a sort over every active commitment, a count over every account) spent
# 50-60 ms compiling to save a few at 250,000 accounts. The nightly run sets its own.
for _alias in DATABASES.values():
    if _alias["ENGINE"].startswith("django.db.backends.postgresql"):
        _options = _alias.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASE_ROUTERS = ["kam.replica.ReadReplicaRouter"]
KAM_REPLICA_MODELS = frozenset(
    {
        "scoring.scoringrun",
        "scoring.accountscore",
        "scoring.scoreexplanation",
        "scoring.metricsnapshot",
    }
)
# How long a client that wrote reads only from the primary (covers the replica's lag).
KAM_REPLICA_PIN_SECONDS = int(os.environ.get("KAM_REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First: refuses logins for a locked-out username/IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One date and one date-time format across the app (3 Dec 2026, 3 Dec 2026 15:31): the locale
# files in kam/formats/ win over Django's (whose en-gb times read "3:31 p.m."); these are the
# same, for any locale without a file there.
FORMAT_MODULE_PATH = ["kam.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 12)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy: scripts only from our own origin (vendored assets, no inline
# scripts, no eval). Inline styles stay allowed for Bootstrap utilities and chart sizing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling (django-axes): lock a username from an address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The one reporting currency: every amount in KAM is a Decimal in this currency.
KAM_CURRENCY = os.environ.get("KAM_CURRENCY", "EUR")

# Celery: with REDIS_URL the broker and result backend are Redis; without it tasks run inline.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the nightly recompute runs (local time of TIME_ZONE), e.g. "02:00".
KAM_RECOMPUTE_AT = os.environ.get("KAM_RECOMPUTE_AT", "02:00")
_recompute_hour, _recompute_minute = (int(part) for part in KAM_RECOMPUTE_AT.split(":"))
# A run is split into this many account-id chunks, one Celery task each (N workers share them).
KAM_RECOMPUTE_CHUNKS = int(os.environ.get("KAM_RECOMPUTE_CHUNKS", "2"))
# A queued or running run that shows no sign of life for this long is failed and superseded.
KAM_RECOMPUTE_STALE_MINUTES = int(os.environ.get("KAM_RECOMPUTE_STALE_MINUTES", "30"))
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        "task": "scoring.tasks.nightly_recompute",
        "schedule": crontab(hour=_recompute_hour, minute=_recompute_minute),
    },
    # Service commitments: statuses hourly (time alone can breach a promise), KAM digest weekly.
    "evaluate-commitments": {
        "task": "plans.tasks.evaluate_commitments",
        "schedule": crontab(minute=10),
    },
    "kam-weekly-digest": {
        "task": "plans.tasks.send_kam_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Account plans: approved plans whose review date has passed go under review, daily.
    "plans-under-review": {
        "task": "plans.tasks.mark_plans_under_review",
        "schedule": crontab(hour=5, minute=30),
    },
    # Expired sessions deleted, old import uploads expired or cleared (kam/tasks.py), daily.
    "housekeeping": {
        "task": "kam.tasks.housekeeping",
        "schedule": crontab(hour=4, minute=15),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kam",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail (Django 6.1 MAILERS): console by default; SMTP when EMAIL_HOST is set.
_smtp_options = {
    "host": os.environ.get("EMAIL_HOST", ""),
    "port": int(os.environ.get("EMAIL_PORT", "587")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", True),
}
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp_options}
        if _smtp_options["host"]
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kam@localhost")
# Where people reach KAM: e-mails link to pages under it (a mail has no request to take it from).
KAM_BASE_URL = os.environ.get("KAM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # KAM's viewsets set their own (kam.api.KamViewSet: the ordering filter ends every ordering
    # with the primary key); these apply to DRF's views only.
    "DEFAULT_FILTER_BACKENDS": [
        # Search is each FilterSet's validated `q`, never a raw query parameter.
        "kam.filtering.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: Swagger UI at /api/docs/ is the API's browser interface.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "kam.api.KamAutoSchema",
    "EXCEPTION_HANDLER": "kam.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}

# OpenAPI 3 schema (drf-spectacular) at /api/schema/; Swagger UI and ReDoc from vendored assets.
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM API",
    "DESCRIPTION": (
        "Key account portfolio management. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, created on your profile page) or the browser session. "
        "Plans, plan sections, contacts, objectives and actions carry an `ETag`: send it back "
        "in `If-Match` on PUT, PATCH and DELETE (428 without it, 412 when it is stale)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "AccountStatusEnum": "accounts.models.AccountStatus",
        "StageEnum": "accounts.models.Stage",
        "PlanStatusEnum": "plans.models.PlanStatus",
        "ActionStatusEnum": "plans.models.ActionStatus",
        "CommitmentStatusEnum": "plans.models.CommitmentStatus",
        "RunStatusEnum": "scoring.models.RunStatus",
        "QuadrantEnum": "scoring.models.Quadrant",
        "InteractionKindEnum": "accounts.models.InteractionKind",
        "HealthBandEnum": "scoring.models.HealthBand",
        "SpendSourceEnum": "scoring.models.SpendSource",
        "OpportunityStatusEnum": "plans.models.OpportunityStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kam.api.schema_says_what_the_api_enforces",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs carry the request id and user (kam.middleware); LOG_FORMAT=json for log shippers.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "kam.middleware.RequestContextFilter"},
        "client_errors_on_one_line": {"()": "kam.middleware.ClientErrorsOnOneLine"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A 403 is one line with its reason, not a traceback.
        "django.request": {"filters": ["client_errors_on_one_line"]},
    },
}

# Data imports (accounts/imports): the largest file accepted (checked before reading it), what an
# XLSX may unpack to (zip bomb guard), and the row count above which the browser runs an import
# as a Celery task with a progress bar.
KAM_IMPORT_MAX_BYTES = int(os.environ.get("KAM_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
KAM_IMPORT_XLSX_MAX_UNPACKED_BYTES = int(
    os.environ.get("KAM_IMPORT_XLSX_MAX_UNPACKED_BYTES", str(500 * 1024 * 1024))
)
KAM_IMPORT_XLSX_MAX_RATIO = int(os.environ.get("KAM_IMPORT_XLSX_MAX_RATIO", "100"))
KAM_IMPORT_INLINE_MAX_ROWS = int(os.environ.get("KAM_IMPORT_INLINE_MAX_ROWS", "5000"))
KAM_IMPORT_MAX_REPORTED_ERRORS = int(os.environ.get("KAM_IMPORT_MAX_REPORTED_ERRORS", "1000"))
# Days an upload is kept in its job row: the daily housekeeping then expires a file not imported
# and clears the content of a rejected or failed one (the report stays).
KAM_IMPORT_KEEP_DAYS = int(os.environ.get("KAM_IMPORT_KEEP_DAYS", "7"))
# Task modules autodiscovery (<app>.tasks) misses: the import task, and the project's own
# housekeeping task (`kam` is not an app).
CELERY_IMPORTS = ["accounts.imports.tasks", "kam.tasks"]
