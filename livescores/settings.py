"""All configuration, read from the environment in this one place.

Every value has a default that works on a developer machine with PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379. A value that cannot be parsed stops
start-up with an ImproperlyConfigured error naming the variable.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from livescores.client_ip import parse_networks
from realtime.channel_layers import layer_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
T = TypeVar("T")


def _read(name: str, cast: type[T], default: T) -> T:
    """Read one variable; a bad value fails loudly instead of falling back."""
    try:
        value: T = env.get_value(name, cast=cast, default=default)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"{name}: cannot read {env.str(name)!r} as {cast.__name__}"
        ) from exc
    return value


def _positive(name: str, cast: type[float] | type[int], default: float) -> Any:
    value = _read(name, cast, cast(default))
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be > 0, got {value!r}")
    return value


def _networks(name: str, default: list[str]) -> list[Any]:
    try:
        return parse_networks(name, env.list(name, default=default))
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {choices}, got {value!r}")
    return value


DEBUG = _read("DEBUG", bool, True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS and cookies: production-safe whenever DEBUG is off ------------------
# Behind a TLS-terminating load balancer set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
# (only if the balancer overwrites that header). /healthz and /metrics are exempt from
# the redirect so plain-HTTP health checks and scrapes keep working.
SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", bool, not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS", int, 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _read("SECURE_HSTS_INCLUDE_SUBDOMAINS", bool, not DEBUG)
SECURE_HSTS_PRELOAD = _read("SECURE_HSTS_PRELOAD", bool, not DEBUG)
SESSION_COOKIE_SECURE = _read("SESSION_COOKIE_SECURE", bool, not DEBUG)
CSRF_COOKIE_SECURE = _read("CSRF_COOKIE_SECURE", bool, not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_header, "https") if _proxy_header else None

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "games",
    "predictions",
    "alerts",
    "apikeys",
    "realtime",
    "api",
    "dashboard",
    "pipelines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CORS for /api/v1/ from the origins API keys allow (api/cors.py); answers preflights.
    "api.cors.ApiCorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "livescores.urls"
ASGI_APPLICATION = "livescores.asgi.application"
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
                "csp.context_processors.nonce",  # CSP_NONCE, for the rare nonced element
            ],
        },
    },
]

try:
    DATABASES = {
        "default": env.db_url(
            "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/livescores"
        )
    }
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")
DATABASES["default"]["CONN_MAX_AGE"] = _read("DATABASE_CONN_MAX_AGE", int, 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")

# Channel layer: channels_redis, with redis-py client options that keep idle sockets
# open all night (realtime/channel_layers.py explains the 10-second drops they fix).
# CHANNEL_LAYER=pubsub selects channels_redis's pub/sub layer (one PUBLISH per group
# send, whatever the number of clients; no buffering for a consumer that is away).
CHANNEL_LAYER = _choice("CHANNEL_LAYER", "redis", ("redis", "pubsub"))
try:
    CHANNEL_LAYERS = {
        "default": layer_settings(
            CHANNEL_LAYER,
            REDIS_URL,
            prefix=env.str("CHANNEL_LAYER_PREFIX", default="livescores"),
            socket_timeout=_positive("CHANNEL_LAYER_SOCKET_TIMEOUT", float, 15.0),
            max_connections=_positive("CHANNEL_LAYER_MAX_CONNECTIONS", int, 200),
            pool_timeout=_positive("CHANNEL_LAYER_POOL_TIMEOUT", float, 10.0),
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"CHANNEL_LAYER_SOCKET_TIMEOUT: {exc}") from exc
# Every WEBSOCKET_LAYER_CHECK_SECONDS each web process checks that Redis answers and
# is the same server (its run_id); after a restart or failover every open socket
# re-joins its groups and gets a fresh snapshot. A Redis away for longer than
# WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS closes the sockets with 4503 (reconnect later).
WEBSOCKET_LAYER_CHECK_SECONDS = _positive("WEBSOCKET_LAYER_CHECK_SECONDS", float, 2.0)
WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS = _positive(
    "WEBSOCKET_LAYER_OUTAGE_CLOSE_SECONDS", float, 30.0
)

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SOFT_TIME_LIMIT = _positive("CELERY_TASK_SOFT_TIME_LIMIT", int, 25)
CELERY_TASK_TIME_LIMIT = _positive("CELERY_TASK_TIME_LIMIT", int, 30)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No remote-control mailbox (celery inspect/control): nothing here uses it, and kombu's Redis
# transport killed a worker deleting the mailbox's auto-delete queue during a Redis restart
# (tests/livescores/test_celery.py, tests/system/test_soak.py).
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_ALWAYS_EAGER = _read("CELERY_TASK_ALWAYS_EAGER", bool, False)
# The poll on a queue of its own, every other task on the default one; a worker consumes
# both unless given -Q (livescores/celery_app.py).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("poll"), Queue(CELERY_TASK_DEFAULT_QUEUE)]
CELERY_TASK_ROUTES = {
    "games.tasks.poll_scoreboard": {"queue": "poll"},
    "games.tasks.follow_plays": {"queue": "poll"},
}
# One active beat (livescores/beat.py): any further beat waits on RedBeat's Redis lock.
CELERY_BEAT_SCHEDULER = "livescores.beat.SingleBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_KEY_PREFIX = env.str("CELERY_REDBEAT_KEY_PREFIX", default="livescores:redbeat")
CELERY_REDBEAT_LOCK_TIMEOUT = _positive("CELERY_REDBEAT_LOCK_TIMEOUT", int, 30)
CELERY_BEAT_MAX_LOOP_INTERVAL = 5

# --- The feed -----------------------------------------------------------------
FEED = _choice("FEED", "replay", ("live", "replay"))
POLL_INTERVAL_SECONDS = _positive("POLL_INTERVAL_SECONDS", float, 10.0)
FEED_TIMEOUT_SECONDS = _positive("FEED_TIMEOUT_SECONDS", float, 5.0)
# Off: a poll's COMMIT does not wait for its WAL flush (see games.services); polls are
# re-derivable from the feed, so a crash costs at most the last fraction of a second.
POLL_SYNCHRONOUS_COMMIT = _read("POLL_SYNCHRONOUS_COMMIT", bool, False)
POLL_LOCK_SECONDS = _positive("POLL_LOCK_SECONDS", int, 30)
ALERT_FEED_CHECK_SECONDS = _positive("ALERT_FEED_CHECK_SECONDS", float, 15.0)
ALERT_WEBHOOK_TIMEOUT_SECONDS = _positive("ALERT_WEBHOOK_TIMEOUT_SECONDS", float, 5.0)
CELERY_BEAT_SCHEDULE = {
    "poll scoreboard": {
        "task": "games.tasks.poll_scoreboard",
        "schedule": POLL_INTERVAL_SECONDS,
        # A poll that waited longer than one interval is stale: the next one is due.
        "options": {"expires": POLL_INTERVAL_SECONDS},
    },
    # Feed trouble (alerts): a failing poll announces nothing, so the beat asks.
    "check feed": {
        "task": "alerts.tasks.check_feed",
        "schedule": ALERT_FEED_CHECK_SECONDS,
        "options": {"expires": ALERT_FEED_CHECK_SECONDS},
    },
}
REPLAY_FILE = Path(env.str("REPLAY_FILE", default=str(BASE_DIR / "data" / "replay_night.json")))
REPLAY_ARCHIVE = Path(
    env.str("REPLAY_ARCHIVE", default=str(BASE_DIR / "data" / "timelines_2024-25.jsonl.gz"))
)


def _date_or_none(name: str) -> dt.date | None:
    text = env.str(name, default="").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        # One line, no chained traceback (manage.py prints it as it is).
        raise ImproperlyConfigured(
            f"{name} must be a date YYYY-MM-DD, got {text!r}: set e.g. {name}=2025-02-10 "
            "(a night of the 2024-25 regular season, 2024-10-22..2025-04-13), or unset it "
            "to replay the shipped night"
        ) from None


# Unset: replay REPLAY_FILE (the shipped night). Set: that night from REPLAY_ARCHIVE. (A
# night of a play-by-play parquet directory: ``manage.py export_replay_night``, then
# REPLAY_FILE.)
REPLAY_DATE = _date_or_none("REPLAY_DATE")
# A game that is not on tonight's board and not final (a game of another night, or one
# live across the rollover that the scoreboard dropped) is marked stale once the feed
# has not shown it for this long (games/lifecycle.py): never counted live or scheduled,
# never scored, taken back if a poll sees it again.
GAME_STALE_AFTER_SECONDS = _positive("GAME_STALE_AFTER_SECONDS", float, 1800.0)
# The admin shows what the feed wrote (games, snapshots, minutes, polls, forecasts)
# read-only: a hand edit would desynchronise every client. On: superusers may add,
# change and delete those rows (games/admin.py). Off by default.
ADMIN_EDIT_FEED_DATA = _read("ADMIN_EDIT_FEED_DATA", bool, False)
REPLAY_SECONDS_PER_POLL = _positive("REPLAY_SECONDS_PER_POLL", int, 60)
REPLAY_BREAK_POLLS = _read("REPLAY_BREAK_POLLS", int, 1)
REPLAY_HALFTIME_POLLS = _read("REPLAY_HALFTIME_POLLS", int, 2)
# Play-by-play and box score of the live games, fetched after each scoreboard poll
# (games.play_services.follow_games; docs/replay.md for the replayed night's plays).
PLAYS_FOLLOW = _read("PLAYS_FOLLOW", bool, True)
# 8: two rounds of 15 games within the task time limit even when every request times out.
PLAYS_FETCH_CONCURRENCY = _positive("PLAYS_FETCH_CONCURRENCY", int, 8)
# The shared request budget of the per-game endpoints (games.budget): tokens a minute, burst.
PLAYS_BUDGET_PER_MINUTE = _positive("PLAYS_BUDGET_PER_MINUTE", float, 120.0)
PLAYS_BUDGET_BURST = _positive("PLAYS_BUDGET_BURST", int, 40)
REPLAY_PLAYS_DIRECTORY = Path(
    env.str("REPLAY_PLAYS_DIRECTORY", default=str(BASE_DIR / "data" / "plays_2024-25"))
)
HISTORY_FILE = Path(
    env.str("HISTORY_FILE", default=str(BASE_DIR / "data" / "minute_history.csv.gz"))
)

# --- Django basics ------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Chart.js from npm (package.json; `npm ci` in bin/up and bin/test), never copied by hand.
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Content security policy (django-csp) ----------------------------------------
# Scripts, styles and connections only from this site; an inline <script>/<style> runs
# only with the response's nonce (nonce="{{ CSP_NONCE }}"; the header names a nonce only
# on responses that rendered one). connect-src 'self' covers the site's own ws:/wss:
# (CSP Level 3; tests/browser/test_csp.py checks Chromium). No framing, no plugins, no
# <base> elsewhere, forms post only here. docs/security.md lists the exceptions.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "connect-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# --- Login throttling (django-axes) ---------------------------------------------
# Failed logins (the staff login page and the admin's) are counted per username and,
# separately, per client address: LOGIN_FAILURE_LIMIT failures of either lock it for
# LOGIN_COOLOFF_MINUTES (a failure during the lockout starts the cool-off again), and
# the lockout page (templates/registration/lockout.html) is answered with HTTP 429.
# The client address is the TCP peer; X-Forwarded-For counts only when the peer is in
# TRUSTED_PROXIES (CIDRs, comma-separated; empty by default: no proxy is trusted).
# Behind bin/up --scale or docker compose, set TRUSTED_PROXIES to HAProxy's address.
TRUSTED_PROXIES = _networks("TRUSTED_PROXIES", [])
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _positive("LOGIN_FAILURE_LIMIT", int, 5)
AXES_COOLOFF_TIME = timedelta(minutes=_positive("LOGIN_COOLOFF_MINUTES", float, 15.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "livescores.client_ip.client_ip"

# --- Dashboard and WebSocket API -----------------------------------------------
# Anonymous WebSocket clients are refused (close code 4401) unless this opens the
# read-only public stream; the dashboard pages always need a staff login.
WS_PUBLIC_STREAM = _read("WS_PUBLIC_STREAM", bool, False)
# A signed-in socket re-checks its session this often (expired or deleted, user
# deactivated, staff status removed, password changed) and is closed with 4401 when it
# no longer holds; a logout or a saved user closes it at once (realtime/guards/sessions.py).
WEBSOCKET_SESSION_CHECK_SECONDS = _positive("WEBSOCKET_SESSION_CHECK_SECONDS", float, 30.0)
# Abuse limits (docs/websocket-api.md): each socket may send WEBSOCKET_RATE_PER_SECOND
# frames a second in bursts of WEBSOCKET_RATE_BURST (the first frame over gets an error
# rate_limited, another burst's worth over closes with 4429); a socket follows at most
# WEBSOCKET_MAX_SUBSCRIPTIONS games; a signed-in user holds at most
# WEBSOCKET_MAX_SOCKETS_PER_USER open sockets across all web processes (4429 beyond).
WEBSOCKET_RATE_PER_SECOND = _positive("WEBSOCKET_RATE_PER_SECOND", float, 5.0)
WEBSOCKET_RATE_BURST = _positive("WEBSOCKET_RATE_BURST", int, 30)
WEBSOCKET_MAX_SUBSCRIPTIONS = _positive("WEBSOCKET_MAX_SUBSCRIPTIONS", int, 50)
WEBSOCKET_MAX_SOCKETS_PER_USER = _positive("WEBSOCKET_MAX_SOCKETS_PER_USER", int, 20)
# An API key's open sockets across all web processes, unless the key sets its own
# (apikeys.ApiKey.max_sockets); its frame rate and burst default to the two above.
WEBSOCKET_MAX_SOCKETS_PER_KEY = _positive("WEBSOCKET_MAX_SOCKETS_PER_KEY", int, 1000)

# --- Operations -----------------------------------------------------------------
# /healthz fails when the last successful poll is older than this.
HEALTH_MAX_POLL_AGE_SECONDS = _positive(
    "HEALTH_MAX_POLL_AGE_SECONDS", float, max(60.0, 6 * POLL_INTERVAL_SECONDS)
)
# When set, /metrics needs "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# When set (comma-separated CIDRs), /metrics answers only clients in these networks
# (403 otherwise), e.g. 10.0.0.0/8 for an internal Prometheus; empty: any client.
METRICS_ALLOWED_NETWORKS = _networks("METRICS_ALLOWED_NETWORKS", [])

LOG_LEVEL = _choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOG_FORMAT = _choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {  # one JSON object per line (python-json-logger), for log shippers
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"broker_outage": {"()": "livescores.logfilters.BrokerOutageFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["broker_outage"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"level": LOG_LEVEL}
        for name in (
            *("games", "predictions", "alerts", "apikeys", "realtime", "api", "dashboard"),
            "pipelines",
            "livescores",
            "celery",  # workers and beat log through LOGGING too (livescores/celery_app.py)
        )
    },
}
