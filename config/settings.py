"""Settings for binhdan; every value that differs between machines comes from the environment."""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env_bool, env_int, env_list, env_str, syslog_address

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY phải được đặt khi DEBUG tắt (xem docs/configuration.md).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # nosec B105  # DEBUG=1 only

# Keyed hash for citizen ID numbers (CCCD); kept apart from SECRET_KEY so rotating one does not
# break de-duplication of the other.
CITIZEN_ID_KEY = env_str("CITIZEN_ID_KEY", "") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The local demo started by `make run` may relax two-factor sign-in; the page then says so.
TWO_FACTOR_RELAXED = env_bool("TWO_FACTOR_RELAXED", False)
# Personal API tokens (members and team leaders only) stop working this many days after creation.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

# The client address: REMOTE_ADDR, unless a trusted proxy in front sets a forwarded header
# (binhdan.common.net.client_ip). TRUSTED_PROXY_COUNT = how many proxies append to that header.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER", "")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)

# The shared cache every worker sees (sign-in guesses, learner-code limits, cache versions):
# a database table by default (`manage.py createcachetable`), Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "binhdan_cache",
            # Django culls a third of the entries past MAX_ENTRIES (default 300): a flood of new keys
            # must not be able to cull the counters of a limit.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    )
}

VAR_DIR = BASE_DIR / "var"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'binhdan.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind pgbouncer in transaction pooling (DATABASE_POOLER=pgbouncer; the production stack of
# scripts/prod.sh): each transaction may get a different server connection, so Django's server-side
# cursors (`.iterator()`), which outlive a transaction, are off; the connection to pgbouncer is cheap to
# keep, so it lives long (DB_CONN_MAX_AGE, default 600 s here) and is checked before each request.
DATABASE_POOLER = env_str("DATABASE_POOLER", "")
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured(
        "DATABASE_POOLER chỉ nhận 'pgbouncer' hoặc để trống (xem docs/configuration.md)."
    )
for _database in DATABASES.values():
    if DATABASE_POOLER and _database["ENGINE"] == "django.db.backends.postgresql":
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 600)
        _database["CONN_HEALTH_CHECKS"] = True
        # (pgbouncer 1.18 keeps no named prepared statement across transactions: psycopg must never
        # prepare one, whatever the cursor; unnamed statements of the extended protocol are fine)
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
# The statements the hot paths send together (binhdan.common.db: the sync push, a token's check) are
# EXECUTEs of statements PREPAREd once per connection when the server connection stays the connection's
# own: PostgreSQL itself, or pgbouncer in session pooling. PostgreSQL then plans each one once per
# connection instead of at every request. Off behind pgbouncer in transaction pooling
# (DATABASE_POOLER=pgbouncer: a PREPARE stays on one server connection of the pool).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", not DATABASE_POOLER)
# A long-lived connection (DB_CONN_MAX_AGE) is checked before a request reuses it, so that the first request
# after PostgreSQL restarted gets a new one instead of an error (always so behind the pooler).
DB_CONN_HEALTH_CHECKS = env_bool("DB_CONN_HEALTH_CHECKS", bool(DATABASE_POOLER))
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        if DB_CONN_HEALTH_CHECKS:
            _database["CONN_HEALTH_CHECKS"] = True
        _database["PREPARED_STATEMENTS"] = DB_PREPARED_STATEMENTS  # type: ignore[typeddict-unknown-key]  # read by binhdan.common.db.prepares

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "binhdan.common",
    "binhdan.places",
    "binhdan.accounts",
    "binhdan.registry",
    "binhdan.fieldwork",
    "binhdan.indicators",
    "binhdan.reports",
    "binhdan.programmes",
    "binhdan.certificates",
    "binhdan.donations",
    "binhdan.assistant",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "binhdan.common.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # refused requests (401, 403, out-of-scope and admin 404s) as binhdan.security lines (docs/security.md)
    "binhdan.common.security_log.SecurityEventMiddleware",
    # answers to a signed-in request are never cached (binhdan/common/cache_headers.py)
    "binhdan.common.cache_headers.PrivateAnswersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "binhdan.accounts.middleware.AdminClosedMiddleware",
    "binhdan.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Read replica (docs/scaling.md): DATABASE_REPLICA_URL adds DATABASES["replica"], a PostgreSQL streaming
# standby of DATABASE_URL. config.db_router sends reads to it only inside a replica-read context, which
# config.replica.ReplicaReadMiddleware opens for GETs of dashboards, exports and reports; writes, sign-in,
# sessions, audit and jobs stay on the primary, and an unreachable or lagging replica means the primary.
# Tests mirror it onto the test database instead of creating a second one.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)  # reads stay on the primary after a browser writes
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    for _key in (
        "DISABLE_SERVER_SIDE_CURSORS",
        "CONN_MAX_AGE",
        "PREPARED_STATEMENTS",
    ):  # the replica behind its own pgbouncer too
        if _key in DATABASES["default"]:
            DATABASES["replica"][_key] = DATABASES["default"][_key]  # type: ignore[typeddict-unknown-key,typeddict-item]
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    MIDDLEWARE.append("config.replica.ReplicaReadMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "binhdan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "binhdan.accounts.context_processors.roles",
                "binhdan.indicators.context_processors.dashboard_links",
                "binhdan.reports.context_processors.report_links",
                "binhdan.assistant.context_processors.questions_link",  # assistant_questions_url (menu)
            ],
            "string_if_invalid": "",
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Length (12 to 128 characters) and lists of guessable passwords; no composition rules (ASVS 2.1.9,
# binhdan/accounts/validators.py). Checked when a password is set, never at sign-in.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "binhdan.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "binhdan.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed sign-ins (django-axes).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The same client address as limits and audit: forwarded headers only behind TRUSTED_PROXY_HEADER.
AXES_CLIENT_IP_CALLABLE = "binhdan.common.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "binhdan"

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# Secure cookies carry the __Host- prefix (ASVS 3.4.4): the browser then keeps them only if they came
# over HTTPS with Path=/ and no Domain, so a sibling sub-domain cannot plant or overwrite them. The
# plain-HTTP demo keeps the plain names (a browser refuses a __Host- cookie without Secure). The
# scripts read the CSRF cookie's name from <meta name="csrf-cookie"> (base.html, static/js/signout.js).
COOKIE_PREFIX = "__Host-" if SESSION_COOKIE_SECURE else ""
SESSION_COOKIE_NAME = f"{COOKIE_PREFIX}sessionid"
CSRF_COOKIE_NAME = f"{COOKIE_PREFIX}csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
# Production (DEBUG off, secure cookies on) is HTTPS only: redirect and HSTS are on unless turned off.
# The local demo sets SECURE_COOKIES=0 and is served over plain HTTP on 127.0.0.1.
HTTPS_ONLY = not DEBUG and SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's health check may speak plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The observation tables' history indexes carry their values as INCLUDE columns (registry.models), which
# only PostgreSQL has: SQLite builds the same index on the key columns alone, as it should.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's one-way decision (docs/security.md), not the software's.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "binhdan.common.errors.csrf_failure"
SECURITY_LOG_ADMIN_CHECK = "binhdan.accounts.access.is_admin"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["binhdan.common.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "binhdan" / "static",
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
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
MEDIA_ROOT = VAR_DIR / "media"
# A malware scanner run on every uploaded workbook before it is read (binhdan/common/upload_scan.py):
# the file on its standard input, exit 0 clean, 1 infected; empty = no scan.
UPLOAD_SCAN_COMMAND = env_str("UPLOAD_SCAN_COMMAND", "")
UPLOAD_SCAN_TIMEOUT = env_int("UPLOAD_SCAN_TIMEOUT", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Long work (imports, report generation, indicator rebuilds) runs as tasks. The embedded default
# keeps the queue in the database (no extra server); production sets TASKS_BACKEND to
# django_tasks_rq.RQBackend (RQ on Redis, RQ_URL). Either way the job's state stays in the database
# (`common.Job`): `manage.py jobs_worker` runs the worker and the sweeper, which sends again a job
# whose message was lost (still queued after JOBS_PENDING_SECONDS) and re-runs one whose worker died
# (no heartbeat for JOBS_STALE_SECONDS), up to JOBS_MAX_ATTEMPTS starts, then marks it failed.
JOBS_QUEUE = env_str("JOBS_QUEUE", "default")
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 5)
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 60)
JOBS_PENDING_SECONDS = env_int("JOBS_PENDING_SECONDS", 60)
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)
JOBS_TIMEOUT_SECONDS = env_int("JOBS_TIMEOUT_SECONDS", 3600)
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [JOBS_QUEUE],
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    INSTALLED_APPS += ["django_rq"]
    # django-tasks-rq looks results up through django_rq's "default" connection: the same Redis.
    RQ_QUEUES = {
        name: {
            "URL": env_str("RQ_URL", "") or REDIS_URL or "redis://127.0.0.1:6379/0",
            "DEFAULT_TIMEOUT": JOBS_TIMEOUT_SECONDS,
        }
        for name in {JOBS_QUEUE, "default"}
    }

# The learning assistant (trợ lý ảo). The language model is optional and off unless a URL is set.
# E-mail (report reminders, `manage.py send_report_reminders`): the console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "binhdan <no-reply@localhost>")

ASSISTANT_CONTACT = env_str("ASSISTANT_CONTACT", "")
ASSISTANT_LLM_URL = env_str("ASSISTANT_LLM_URL", "")
ASSISTANT_LLM_MODEL = env_str("ASSISTANT_LLM_MODEL", "")
ASSISTANT_LLM_API_KEY = env_str("ASSISTANT_LLM_API_KEY", "")
ASSISTANT_LLM_TIMEOUT = env_int("ASSISTANT_LLM_TIMEOUT", 8)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"syslog": {"format": "binhdan[%(process)d]: %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}, "binhdan.security": {"level": "INFO"}},
}
# A remote log host (ASVS 1.7.2): every line the console gets, the app's and binhdan.security's
# included, also goes to syslog at LOG_SYSLOG_ADDRESS (config/env.py syslog_address).
_syslog = syslog_address(env_str("LOG_SYSLOG_ADDRESS", ""))
if _syslog is not None:
    LOGGING["handlers"]["syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "address": _syslog[0],
        "socktype": _syslog[1],
        "facility": "user",
        "formatter": "syslog",
    }
    LOGGING["root"]["handlers"].append("syslog")
