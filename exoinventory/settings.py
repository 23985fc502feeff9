"""Django settings for exoinventory, read from the environment (django-environ).

Every variable is listed with its default in README.md and `.env.example`.
Defaults are the safe production ones; `make run` and the test suite set
their own values for local work. A `.env` file beside `manage.py` is read if
present. Bad values fail loudly at start-up rather than at first use.
"""

import sys
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

from exoinventory.config import (
    BROKER_SCHEMES,
    LOG_LEVELS,
    REDIS_SCHEMES,
    env,
    env_bool,
    env_choice,
    env_database,
    env_heartbeat_tokens,
    env_int,
    env_time_zone,
    env_url,
    private_directory,
)

BASE_DIR = Path(__file__).resolve().parent.parent
env.read_env(BASE_DIR / ".env", overwrite=False)

DAY_MINUTES = 24 * 60

# Local state of a single-machine run: the SQLite database, the filesystem
# broker's queue, sync locks. Compose keeps its data in PostgreSQL instead.
VAR_DIR = Path(env.str("EXOINVENTORY_VAR_DIR", default=str(BASE_DIR / "var")))

# `make run` keeps its secret key here. In the folder it made, manage.py then
# works without exporting anything: with DJANGO_SECRET_KEY unset and this file
# present, it is a debug run like make run's own. Production sets
# DJANGO_SECRET_KEY (compose requires it) and never reads the file.
LOCAL_SECRET_KEY_FILE = VAR_DIR / "secret_key"
_LOCAL_RUN = not env.str("DJANGO_SECRET_KEY", default="") and LOCAL_SECRET_KEY_FILE.exists()

DEBUG = env_bool("DJANGO_DEBUG", default=_LOCAL_RUN)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY and DEBUG and _LOCAL_RUN:
    SECRET_KEY = LOCAL_SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set: give it a long random value (make run makes one for you)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "exoinventory.numbers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "exoinventory.middleware.AdminQueryGuardMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exoinventory.urls"
WSGI_APPLICATION = "exoinventory.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env_database(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'exoinventory.sqlite3'}"
    ),
}
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env_int("DJANGO_CONN_MAX_AGE", default=60, maximum=DAY_MINUTES * 60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if sys.argv[1:2] == ["runserver"]:
    # runserver serves each request in a thread of its own: a connection kept
    # for reuse outlives its thread, and 20 users exhaust PostgreSQL's slots
    # (Django's docs: no persistent connections in development).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the pages' queries are short, but an estimate over
    # a large table (freshness's count per account at 100,000 numbers) passes
    # jit_above_cost, and compiling then took 0.4-0.7 s of a 0.5-0.8 s query
    # on every page (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    private_directory("EXOINVENTORY_VAR_DIR", VAR_DIR)
    # The local run has a web server, a worker and beat writing to one file:
    # WAL lets readers go on while the sync writes, and the timeout waits out a
    # writer instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE takes the write lock when a transaction begins, so two writers
    # wait their turn instead of one failing when it upgrades a read.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Everything is stored in UTC; TIME_ZONE is only how times are shown.
USE_TZ = True
TIME_ZONE = env_time_zone("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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

LOGIN_URL = "admin:login"

# --- Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins
# in a row, the username is locked out, from every address, and so is the
# address, for every username, for AXES_COOLOFF_MINUTES. Locking the user
# stops a password being guessed from many addresses, locking the address
# one guesser trying many users. Lock-outs are in the admin ("Access
# attempts"); `manage.py axes_reset_username NAME` or `axes_reset` lifts them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1, maximum=DAY_MINUTES)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Debug pages and error reports hide EXOTEL_ACCOUNTS and every *_URL too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "exoinventory.error_reports.ExoinventoryReporterFilter"

# --- Security: strict unless DEBUG. Behind a TLS-terminating proxy, that
# proxy sets X-Forwarded-Proto; /healthz stays reachable over plain HTTP for
# the compose healthcheck.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000, maximum=2 * 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and fonts from
# this site only, no inline script or style anywhere (the charts and
# timelines are server-drawn SVG, styled from numbers/*.css), no plugins, no
# framing, forms posting only here. A browser test opens every page and
# asserts no violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "frame-ancestors": [CSP_NONE],
        "form-action": [CSP_SELF],
    }
}

# --- Exotel
# Comma-separated https://KEY:TOKEN@HOST[:PORT]/ACCOUNT_SID URLs; parsed (and
# validated) by exoinventory.exotel.records.parse_accounts.
EXOTEL_ACCOUNTS = env.str("EXOTEL_ACCOUNTS", default="")
# Exotel's Heartbeat webhook: comma-separated ACCOUNT_SID=SECRET, read into
# {account sid: secret}; the heartbeat of that account is received at
# /webhooks/exotel/heartbeat/SECRET/ (numbers.views.heartbeat). Unset: no webhook.
EXOTEL_HEARTBEAT_TOKENS = env_heartbeat_tokens("EXOTEL_HEARTBEAT_TOKENS", accounts=EXOTEL_ACCOUNTS)
# Exotel documents 200 requests/min for its APIs, and some newer pages 50/min
# for the ExoPhone API: the lower figure is the safe default.
EXOTEL_RATE_LIMIT_PER_MINUTE = env_int(
    "EXOTEL_RATE_LIMIT_PER_MINUTE", default=50, minimum=1, maximum=100_000
)
# v2_beta dates carry no zone ("2016-03-04 17:31:50"); Exotel is an Indian
# service and shows its dashboard in IST, so that is how they are read.
EXOTEL_LISTING_TIME_ZONE = env_time_zone("EXOTEL_LISTING_TIME_ZONE", default="Asia/Kolkata")
# When set, the per-account request budget is shared through Redis by every
# process that syncs (several Celery workers); otherwise it is per process.
REDIS_URL = env_url("REDIS_URL", default="", schemes=REDIS_SCHEMES)

# The connectivity sweep's schedule, and the listing's (prices and flows
# change rarely): see exoinventory/numbers/cadence.py and docs/sync.md.
# At most a day between sweeps and a week between listings: beyond that the
# inventory is not being kept, and the arithmetic of absurd values overflows.
SYNC_INTERVAL_MINUTES = env_int("SYNC_INTERVAL_MINUTES", default=5, minimum=1, maximum=DAY_MINUTES)
LISTING_INTERVAL_MINUTES = env_int(
    "LISTING_INTERVAL_MINUTES", default=60, minimum=1, maximum=7 * DAY_MINUTES
)
# How long a listing or a sweep task may run before it stops and rolls back
# (numbers.tasks). A scheduled listing is spread over three quarters of its
# interval, and takes longer when half the budget cannot list the account in
# it (100,000 numbers at 50 a minute: about 100 minutes); a sweep spends one
# interval's allotment. Both limits follow their interval.
LISTING_TIME_LIMIT_SECONDS = max(3 * 3600, 2 * LISTING_INTERVAL_MINUTES * 60)
SWEEP_TIME_LIMIT_SECONDS = max(55 * 60, 2 * SYNC_INTERVAL_MINUTES * 60)

# --- Celery (read by exoinventory.celery_app under the CELERY_ namespace)
# The default is kombu's filesystem transport under var/: it needs no server,
# which is what the one-command local run wants. Compose sets Redis.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", default="filesystem://", schemes=BROKER_SCHEMES)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
else:
    # Redis hands an unacknowledged (late-ack) task to another worker after
    # this long: keep it above the longest hard time limit (a paced listing),
    # or a long listing would be started twice (the second would only be skipped).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": LISTING_TIME_LIMIT_SECONDS + 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# One task at a time per worker process: a sync is long, and late acks with a
# large prefetch would hold ticks other workers could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# A paced listing holds its worker for most of its interval: listings have a
# queue of their own (compose: the listing-worker service), so that they can
# never hold every slot the sweeps need.
LISTING_QUEUE = "listing"
CELERY_TASK_ROUTES = {"numbers.list_account": {"queue": LISTING_QUEUE}}
CELERY_BEAT_SCHEDULE = {
    "sweep-connectivity": {
        "task": "numbers.sweep_all_accounts",
        "schedule": SYNC_INTERVAL_MINUTES * 60.0,
        # A tick not started within one interval is dropped: the next is due.
        "options": {"expires": SYNC_INTERVAL_MINUTES * 60},
    },
    "list-exophones": {
        "task": "numbers.list_all_accounts",
        "schedule": LISTING_INTERVAL_MINUTES * 60.0,
        "options": {"expires": LISTING_INTERVAL_MINUTES * 60},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # django-axes says it started, every time any process starts.
    "loggers": {"axes.apps": {"level": "WARNING"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", default="INFO", choices=LOG_LEVELS),
    },
}
