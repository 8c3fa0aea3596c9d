"""Django settings for NetSafe.

One module, driven by the environment, because the differences between
environments are few and each one is a security decision worth seeing in one
place:

- ``NETSAFE_ENV``: ``development``, ``test`` or ``production``.
  Production refuses to start without a real ``NETSAFE_SECRET_KEY`` and
  ``NETSAFE_ALLOWED_HOSTS`` and turns on secure cookies, HSTS and the CSP.
  Unset, commands run as in development (so that ``netsafe createuser`` or
  ``netsafe stats`` work on a new machine) but DEBUG is off, and serving HTTP
  refuses the public development secret (:mod:`netsafe.web.serving`): DEBUG
  and the development secret are only ever chosen, never a default.
- ``DATABASE_URL``: the casework database (default: SQLite under ``var/``).
  On PostgreSQL, ``NETSAFE_DB_POOL_SIZE`` (set by ``netsafe serve``) gives each
  server process a psycopg connection pool of at most that many connections.
- ``PREVENTION_DATABASE_URL``: the charity's database, kept apart from police
  data (default: a second SQLite file under ``var/``).
- ``NETSAFE_VAR``: where local state lives (default: ``var/`` in the current
  directory).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
#: The environment as given; empty when NETSAFE_ENV is unset.
ENV_GIVEN = os.environ.get("NETSAFE_ENV", "").strip().lower()
ENV = ENV_GIVEN or "development"
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"NETSAFE_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"

VAR_DIR = Path(os.environ.get("NETSAFE_VAR", Path.cwd() / "var")).resolve()

_DEV_SECRET = "netsafe-development-only-not-a-secret"
SECRET_KEY = os.environ.get("NETSAFE_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "NETSAFE_ENV=production needs NETSAFE_SECRET_KEY set to a random value of "
        "at least 50 characters (python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )

#: Serving HTTP with the public secret is refused unless asked for (netsafe.web.serving).
USING_DEVELOPMENT_SECRET = SECRET_KEY == _DEV_SECRET

# A debug page shows the settings and source of every failing request: only when a
# developer asked for development by name, never because a variable was forgotten.
DEBUG = ENV_GIVEN == "development" and os.environ.get("NETSAFE_DEBUG", "1") == "1"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("NETSAFE_ALLOWED_HOSTS", "").split(",") if h]
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "NETSAFE_ENV=production needs NETSAFE_ALLOWED_HOSTS (comma-separated host names)"
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    # First, so that its registration/ templates replace the admin's.
    "netsafe.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "django.forms",
    "netsafe.accounts",
    "netsafe.audit",
    "netsafe.casework",
    "netsafe.prevention",
    "netsafe.returns",
    "netsafe.stats",
    "netsafe.examination",
]

MIDDLEWARE = [
    # First: a load balancer's probe meets no host check, HTTPS redirect or session.
    "netsafe.web.health.HealthCheckMiddleware",
    # Next, so that its duration covers everything the application does.
    "netsafe.web.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: the public /help/ pages neither read nor refresh a session.
    "netsafe.web.middleware.PublicSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Restarts a session's idle time-out at most once a minute (netsafe.web.sessions).
    "netsafe.web.sessions.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's page language is on their account.
    "netsafe.web.language.LanguageMiddleware",
    "netsafe.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Tells an administrator, on their next page, what became of the roles they asked for.
    "netsafe.accounts.grants.GrantNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "netsafe.web.urls"
WSGI_APPLICATION = "netsafe.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "netsafe.web.context_processors.shell",
                "netsafe.web.language.context",
            ],
        },
    },
]

# Forms render as GOV.UK components (labels, hints, inline errors).
FORM_RENDERER = "netsafe.web.forms.GovukFormRenderer"

# The links in the menu under the header: each entry is the dotted path of a
# function items(user) -> [(label, url), ...]; links appear in this order.
NETSAFE_NAVIGATION = [
    "netsafe.casework.nav.items",
    "netsafe.stats.nav.items",
    "netsafe.examination.nav.items",
    "netsafe.returns.nav.items",
    "netsafe.web.nav.items",
    "netsafe.prevention.nav.items",
]


def _whole_number(name: str, default: str) -> int:
    value = os.environ.get(name, "").strip() or default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _database(url_env: str, default_file: str) -> dict:
    url = os.environ.get(url_env, "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
        pool_size = _whole_number("NETSAFE_DB_POOL_SIZE", "0")
        if pool_size and config["ENGINE"] == "django.db.backends.postgresql":
            # A server process's threads share at most pool_size connections, so the
            # total is bounded by workers x pool_size whatever the load (deploy/README.md
            # has the sum against max_connections). A request waits up to `timeout` for
            # a connection, then fails, rather than PostgreSQL refusing new clients.
            config["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not as well
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(2, pool_size),
                "max_size": pool_size,
                "timeout": _whole_number("NETSAFE_DB_POOL_TIMEOUT", "10"),
            }
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / default_file),
        # WAL lets pages read while a request commits its session and audit entry; with it,
        # NORMAL sync is still safe against corruption and costs far less per commit.
        "OPTIONS": {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {
    "default": _database("DATABASE_URL", "netsafe.sqlite3"),
    # The charity's confidential data never shares a database with police data.
    "prevention": _database("PREVENTION_DATABASE_URL", "prevention.sqlite3"),
}
DATABASE_ROUTERS = ["netsafe.web.routers.PreventionRouter"]

# One cache for every web process (``redis://HOST:6379/0``): the help pages' visitor
# counting must see every machine's visitors. Unset, each process has its own memory
# cache, which is right for one process only (deploy/README.md).
_CACHE_URL = os.environ.get("NETSAFE_CACHE_URL", "").strip()
if _CACHE_URL:
    if not _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"NETSAFE_CACHE_URL must be a Redis URL (redis://HOST:6379/0), not {_CACHE_URL!r}"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's force with the user (one query a page).
    "netsafe.accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login throttling: five failures lock the user name *from that address* for 15
# minutes. By name alone, anyone could lock any officer out by typing five wrong
# passwords from anywhere; a guesser spreading tries over many addresses is slowed
# down per name instead (netsafe.accounts.throttle: a growing wait after five
# failures from any address, capped at NETSAFE_LOGIN_SLOWDOWN_MAX seconds).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
NETSAFE_LOGIN_SLOWDOWN_MAX = 60  # seconds
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = os.environ.get("NETSAFE_AXES", "1") == "1"

# The home page's headline figures and My work's totals are counted at most every this
# many seconds, and again at once after a record is saved (netsafe.casework.figures);
# 0 counts them on every view (the default under NETSAFE_ENV=test).
NETSAFE_FIGURES_SECONDS = _whole_number(
    "NETSAFE_FIGURES_SECONDS", "0" if ENV_GIVEN == "test" else "30"
)

# Sessions end after 30 minutes without activity and when the browser closes. A request
# restarts the 30 minutes when they were last restarted more than a minute ago
# (netsafe.web.sessions): not a database write on every page.
SESSION_ENGINE = "netsafe.web.sessions"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("NETSAFE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: own origin only, no inline script.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# English and Welsh (the Welsh Language Standards: public pages in both, staff may work in
# Welsh). The public self-help site takes its language from the URL only (/cy/help/...);
# staff pages from the user's account (netsafe.web.language). No language cookie is ever set.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

REST_FRAMEWORK = {
    # Sessions only: HTTP Basic sent the password with every request, wrote no sign-in
    # to the audit log and ignored the idle time-out (and the lock-out's slow-down).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NetSafe API",
    "DESCRIPTION": "Casework records of the operation, under the same access rules as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A referral's risk and an assessment's band are the same vocabulary.
    "ENUM_NAME_OVERRIDES": {"RiskBandEnum": "netsafe.casework.choices.RiskBand"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "netsafe.web.request_log.StderrHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # One JSON line per request (netsafe.web.request_log); NETSAFE_REQUEST_LOG=0 stops them.
    "loggers": {
        "netsafe.requests": {
            "level": "INFO" if os.environ.get("NETSAFE_REQUEST_LOG", "1") == "1" else "WARNING"
        }
    },
}

# Triage inside casework (netsafe.examination). The evidence store examiners pick
# evidence from (read-only; nothing outside it can be scanned), the hash sets every
# scan matches (paths separated by os.pathsep), and a Dask scheduler address to run
# scans on a cluster instead of local worker processes.
NETSAFE_EVIDENCE_ROOT = Path(os.environ.get("NETSAFE_EVIDENCE_ROOT", VAR_DIR / "evidence"))
NETSAFE_HASHSETS = [p for p in os.environ.get("NETSAFE_HASHSETS", "").split(os.pathsep) if p]
NETSAFE_TRIAGE_SCHEDULER = os.environ.get("NETSAFE_TRIAGE_SCHEDULER", "").strip() or None
# "spawn": the page starts a worker process per job; "worker": `netsafe triage-worker` runs.
NETSAFE_TRIAGE_LAUNCH = os.environ.get("NETSAFE_TRIAGE_LAUNCH", "spawn")
NETSAFE_TRIAGE_WORKERS = int(os.environ.get("NETSAFE_TRIAGE_WORKERS", "0")) or None

# The operation this deployment serves.
NETSAFE_OPERATION = {"name": "NetSafe", "launched": "2016-11-01"}
# Check every netsafe.web.rows.Statement against its queryset's own SQL on each call
# (the test suite turns it on; it compiles every query twice).
NETSAFE_CHECK_STATEMENTS = False
