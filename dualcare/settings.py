"""DualCare settings: every value comes from the environment.

With nothing set, DualCare runs as a demo: SQLite under var/, an in-process
(filesystem) Celery broker, console email. With DEBUG off it refuses to start
without a real SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DUALCARE_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker and Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {path!r}, which cannot be read: {exc}"
            ) from exc
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", default=False)
# Test-grade defaults (an insecure key, fast password hashing, no two-factor, plain http): only
# the test suite's settings, dualcare/settings_test.py, turn this on. Importing pytest (or any
# module) changes nothing here, so production never runs with them by accident.
TESTING = env_bool("DUALCARE_TESTING", default=False)

_INSECURE_KEY = "insecure-demo-key-only-for-debug-and-tests"
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = _INSECURE_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for a local demo, or see .env.example)."
        )
elif not (DEBUG or TESTING) and (len(SECRET_KEY) < 50 or SECRET_KEY == _INSECURE_KEY):
    raise ImproperlyConfigured("SECRET_KEY is too weak: use at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "dualcare",
    "dualcare.people",
    "dualcare.audit",
    "dualcare.notifications",
    "dualcare.contacts",
    "referrals",
    "careplans",
    "linkworkers",
    "cohorts",
    "outcomes",
    "conversations",
    "directory",
    # Issue 20: carers' own needs, assessment offers and plan summaries (Triangle of Care).
    "carers",
    "dualcare.dashboards",
    "dualcare.spc",
    "dualcare.safety",
    # Issue 19: incidents, near misses and complaints (dualcare/safety/incidents).
    "dualcare.safety.incidents",
    "dualcare.fhir",  # FHIR R4 at /fhir/ (issue 21): after the apps that register resources
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    *([] if (DEBUG or TESTING) else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (below)
    "dualcare.middleware.NoStoreMiddleware",  # Cache-Control: no-store but on static files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dualcare.middleware.LanguageResetMiddleware",  # a request's language ends with it
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (or the cookie) before sign-in
    "django.middleware.common.CommonMiddleware",
    "dualcare.error_pages.ProjectErrorPagesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dualcare.middleware.UserLanguageMiddleware",  # then the language the user chose (issue 20)
    "dualcare.audit.middleware.RefusalAuditMiddleware",  # every refusal audited (rule 6)
    "django_otp.middleware.OTPMiddleware",
    "dualcare.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "dualcare.api_schema.ApiContractMiddleware",
]

# bench/trust.py only (dualcare/bench.py): a staff page of the bare base template at
# /_bench/floor/, and an X-Query-Count header on every response. Off by default; not for production.
BENCH_FLOOR_PAGE = env_bool("BENCH_FLOOR_PAGE", default=False)
BENCH_QUERY_COUNT = env_bool("BENCH_QUERY_COUNT", default=False)
if BENCH_QUERY_COUNT:
    MIDDLEWARE.insert(0, "dualcare.bench.QueryCountMiddleware")

ROOT_URLCONF = "dualcare.urls"
WSGI_APPLICATION = "dualcare.wsgi.application"

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
                "dualcare.context_processors.signed_in_as",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dualcare.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web and worker against one file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction) a connection is only
# ours for one transaction, so nothing may rely on session state: no server-side cursors
# (QuerySet.iterator() then fetches in chunks on the client), no prepared statements (psycopg 3
# prepares a query after 5 runs on a connection; Django's default client-side binding cursors
# prepare nothing, and prepare_threshold=None makes sure). Locks are transaction-level
# (select_for_update, pg_advisory_xact_lock); nothing SETs a session variable. The time zone
# Django sets on connecting is UTC on every connection, which the database's default must also
# be (ALTER DATABASE ... SET timezone TO 'UTC'), since a pooled connection may never have run it.
# tests/test_pgbouncer.py runs all of this through a real PgBouncer in transaction mode.
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE is 'session' (the default) or 'transaction'")


def for_pool_mode(database: dict, mode: str) -> dict:
    """The database settings for a connection pooler in this mode (changes only 'transaction')."""
    if mode == "transaction" and database["ENGINE"] == "django.db.backends.postgresql":
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database.setdefault("OPTIONS", {})["prepare_threshold"] = None
    return database


for_pool_mode(DATABASES["default"], DATABASE_POOL_MODE)
# A read replica (optional): dashboards, exports and PDFs read from it inside
# dualcare.db.replica_reads(); everything else, and every write, uses the primary
# (dualcare/db.py's router). In tests the replica mirrors the default database.
DATABASE_REPLICA_URL = env_secret("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = for_pool_mode(
        dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        ),
        DATABASE_POOL_MODE,
    )
    if TESTING:
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["dualcare.db.ReplicaRouter"]
# PostgreSQL: `manage.py migrate` connects with this instead, as the role that owns the
# tables; DATABASE_URL's role owns nothing, so it cannot drop the audit log's triggers.
DATABASE_MIGRATE_URL = env_secret("DATABASE_MIGRATE_URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",  # emailed sign-in links (dualcare/accounts/sign_in_links.py)
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # the reset email says "3 days"
# How long the link in a new staff member's invitation email works (it also works only once).
STAFF_INVITATION_HOURS = env_int("STAFF_INVITATION_HOURS", 72)
# People in care and carers may ask for an emailed sign-in link instead of typing a password
# (dualcare/accounts/sign_in_links.py): it works once, for this many minutes, and an account is
# sent at most this many an hour. Staff sign in with a password and two-factor only.
SIGN_IN_LINKS = env_bool("SIGN_IN_LINKS", True)
SIGN_IN_LINK_MINUTES = env_int("SIGN_IN_LINK_MINUTES", 15)
SIGN_IN_LINKS_PER_HOUR = env_int("SIGN_IN_LINKS_PER_HOUR", 3)
# django-sesame makes and checks the links' tokens: timed, single use (bound to the last sign-in),
# void once the password or email address changes.
# Sign in with NHS login (dualcare/accounts/nhs_login.py), for people in care: on when the issuer,
# the client id and the private key (PEM text, or a file) are all set. A person signs in only to
# the account their care team made, matched by NHS number and date of birth, at this proofing level.
NHS_LOGIN_ISSUER = os.environ.get("NHS_LOGIN_ISSUER", "")
NHS_LOGIN_CLIENT_ID = os.environ.get("NHS_LOGIN_CLIENT_ID", "")
NHS_LOGIN_PRIVATE_KEY = os.environ.get("NHS_LOGIN_PRIVATE_KEY", "")
NHS_LOGIN_PRIVATE_KEY_FILE = os.environ.get("NHS_LOGIN_PRIVATE_KEY_FILE", "")
NHS_LOGIN_PROOFING_LEVEL = os.environ.get("NHS_LOGIN_PROOFING_LEVEL", "P9")
SESAME_MAX_AGE = SIGN_IN_LINK_MINUTES * 60
SESAME_ONE_TIME = True
SESAME_TOKENS = ["sesame.tokens_v2"]
SESAME_INVALIDATE_ON_EMAIL_CHANGE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Staff two-factor (TOTP). On unless turned off (bin/run-demo does, for the demo), whatever DEBUG is.
REQUIRE_STAFF_2FA = env_bool("REQUIRE_STAFF_2FA", default=not TESTING)
OTP_TOTP_ISSUER = "DualCare"

# Lockout after repeated failed sign-ins (django-axes).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
# Lock the account, not the address: a trust office shares one public IP, and one person's
# typos must not lock out the whole office. (axes.W006 is silenced below for this reason;
# the API token endpoint also has its own per-address throttle.)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]

# Guardian: object permissions only through direct-foreign-key models; no anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_AUTO_PREFETCH = False

LANGUAGE_CODE = "en-gb"
# English and Welsh (issue 20): every string is marked for gettext; the Welsh is in locale/cy/.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Compressing every static file (gzip and brotli) takes minutes: the local demo skips it.
_STATIC_COMPRESS = env_bool("STATIC_COMPRESS", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _STATIC_COMPRESS
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# Email: EMAIL_URL picks the backend; console when unset.
EMAIL_URL = env_secret("EMAIL_URL")
if EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtps", "submission", "console", "locmem"}:
        raise ImproperlyConfigured(
            "EMAIL_URL must start smtp://, smtps://, submission://, console:// or locmem://"
        )
    if _email.scheme in {"console", "locmem"}:
        EMAIL_BACKEND = f"django.core.mail.backends.{_email.scheme}.EmailBackend"
    else:
        # Django's SMTP backend, telling a failure before DATA (nothing sent) from one after it.
        EMAIL_BACKEND = "dualcare.notifications.delivery.EmailBackend"
        EMAIL_HOST = _email.hostname or "localhost"
        EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
        EMAIL_HOST_USER = unquote(_email.username or "")
        EMAIL_HOST_PASSWORD = unquote(_email.password or "")
        EMAIL_USE_SSL = _email.scheme == "smtps"
        EMAIL_USE_TLS = _email.scheme == "submission"
        EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "DualCare <no-reply@dualcare.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when configured, otherwise kombu's filesystem transport (no server needed).
REDIS_URL = env_secret("REDIS_URL")
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_DIR = VAR_DIR / "broker"
# A hung Redis must not block a web request: the outbox row is committed first, a sweep sends it later.
BROKER_REDIS_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "visibility_timeout": 3600,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, writing each message whole before a worker can see it.
    CELERY_BROKER_TRANSPORT = "dualcare.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = BROKER_REDIS_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# No publish retries: Celery's default (3, each waiting out socket_timeout on a fresh connection) held a
# request ~11 s on a frozen Redis. redis-py already replaces a pooled connection the broker closed (a
# restart) when it is taken from the pool, so one attempt bounds a publish at about socket_timeout.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_KB", 400_000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE

# API tokens (django-rest-knox): only a SHA-512 digest is stored; a token lasts 10 hours from its last
# use (renewed at most once a minute) and never more than 7 days after it was issued.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=10),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(days=7),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "dualcare.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dualcare.api_pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "dualcare.api_schema.ContractAutoSchema",
    "EXCEPTION_HANDLER": "dualcare.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DualCare API",
    "DESCRIPTION": "Joint care of people with a dual diagnosis across organisations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The contract is JSON: form posts still parse, but the schema promises JSON bodies only.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Several apps have a "state": name each set so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "ReferralStateEnum": "referrals.models.State",
        "AlertStateEnum": "dualcare.notifications.models.Notification.State",
        "SeverityEnum": "cohorts.models.Severity",  # both severities of a quadrant assessment
        "TimelineKindEnum": "dualcare.timeline.sources.KINDS",  # the timeline's kinds of entry
        "ConversationKindEnum": "conversations.models.Kind",  # a conversation's kind of information
        "KindEnum": "dualcare.people.models.Organisation.Kind",  # its name before conversations had a kind
        # Issue 19: an incident's kind and state.
        "IncidentKindEnum": "dualcare.safety.incidents.models.Kind",
        "IncidentStateEnum": "dualcare.safety.incidents.models.State",
        # Issue 20: a goal's part of life (the DIALOG domains), beside the risk domains.
        "LifeDomainEnum": "careplans.models.Domain",
        # Issue 18: whether a signposted person got there.
        "SignpostOutcomeEnum": "directory.models.SignpostFollowUp.Outcome",
    },
}

# GOV.UK Notify (text messages and, when set, email). Unset: email through EMAIL_URL, no texts.
NOTIFY_API_KEY = env_secret("NOTIFY_API_KEY")
NOTIFY_SMS_TEMPLATE_ID = env_str("NOTIFY_SMS_TEMPLATE_ID")
NOTIFY_EMAIL_TEMPLATE_ID = env_str("NOTIFY_EMAIL_TEMPLATE_ID")
# An email or text whose send broke after it was handed over (or whose worker died mid-send) is
# resent once, this long after the attempt, with the same Message-ID / Notify reference.
NOTIFY_RESEND_AFTER = timedelta(minutes=env_int("NOTIFY_RESEND_AFTER_MINUTES", 15))

# Outcomes and quadrants (CLINICAL.md): the instruments this deployment uses and their schedules.
OUTCOME_INSTRUMENTS = env_list("OUTCOME_INSTRUMENTS", ["honos", "top", "dialog", "satisfaction"])
_unknown_instruments = set(OUTCOME_INSTRUMENTS) - {"honos", "top", "dialog", "satisfaction"}
if _unknown_instruments:
    raise ImproperlyConfigured(
        f"OUTCOME_INSTRUMENTS names unknown instruments: {', '.join(sorted(_unknown_instruments))}"
    )
OUTCOME_TOP_REVIEW_MONTHS = env_int("OUTCOME_TOP_REVIEW_MONTHS", 6)
OUTCOME_HONOS_REVIEW_MONTHS = env_int("OUTCOME_HONOS_REVIEW_MONTHS", 6)
OUTCOME_TOLERANCE_DAYS = env_int("OUTCOME_TOLERANCE_DAYS", 14)
# Service directory (issue 18): an entry nobody has checked for this many months is flagged to
# the organisation admins who keep it, once.
DIRECTORY_CHECK_MONTHS = env_int("DIRECTORY_CHECK_MONTHS", 6)
# Information packs (issue 18, item 6): the largest PDF an organisation may upload, and the
# virus-scan hook every upload passes through: a dotted path to a callable taking the file's
# bytes and returning None when clean or the reason it is refused (the default passes all).
DIRECTORY_UPLOAD_MAX_BYTES = env_int("DIRECTORY_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
DIRECTORY_VIRUS_SCAN = env_str("DIRECTORY_VIRUS_SCAN", "directory.documents.scan_nothing")
# Signposting (issue 18 item 4): days after a decline or discharge when the signposting team
# records whether the person got there (reminded once), and the window that counts as connected.
SIGNPOST_FOLLOW_UP_DAYS = env_int("SIGNPOST_FOLLOW_UP_DAYS", 14)
SIGNPOST_CONNECTED_DAYS = env_int("SIGNPOST_CONNECTED_DAYS", 28)
OUTCOME_EXIT_ACCESS_DAYS = env_int("OUTCOME_EXIT_ACCESS_DAYS", 28)
# The NDTMS TOP extract: days either side of an episode's start or end a start or exit TOP may fall.
NDTMS_TOP_WINDOW_DAYS = env_int("NDTMS_TOP_WINDOW_DAYS", 28)
# Safety (issue 19): missed collections in a row that prompt a review of the overdose flag (once
# per run of misses), and the months a risk assessment stays in date when none is given.
SAFETY_OVERDOSE_REVIEW_AFTER_MISSES = env_int("SAFETY_OVERDOSE_REVIEW_AFTER_MISSES", 2)
SAFETY_RISK_REVIEW_MONTHS = env_int("SAFETY_RISK_REVIEW_MONTHS", 6)
# The suggested quadrant beside the assessment form (never assigned without a person): not a
# published rule, CLINICAL.md gives none.
QUADRANT_HONOS_HIGH_TOTAL = env_int("QUADRANT_HONOS_HIGH_TOTAL", 11)
QUADRANT_TOP_HIGH_DAYS = env_int("QUADRANT_TOP_HIGH_DAYS", 20)

# Demo
DEMO_PASSWORD = env_secret("DEMO_PASSWORD", "dualcare-demo-2026")
# The demo's year of weekly history for the dashboards (off under pytest: tests of the live demo).
DEMO_HISTORY = env_bool("DEMO_HISTORY", default=not TESTING)

# Security. Production defaults; the demo (DEBUG) runs over plain http on 127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
_https = not (DEBUG or TESTING) and env_bool("HTTPS", default=True)
SECURE_SSL_REDIRECT = _https and env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
LANGUAGE_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SILENCED_SYSTEM_CHECKS = ["axes.W006", *(["guardian.W001"] if ANONYMOUS_USER_NAME is None else [])]

# Security headers, the shared cache and throttles, in one block (issue 12).
# Content-Security-Policy (django-csp) on every response: pages, API, error pages and admin. No
# inline script or style anywhere: templates load static/js and static/css. The API docs pages
# alone widen it (dualcare/api_docs.py). Cache-Control: no-store on everything but static files.
INSTALLED_APPS += ["csp"]
# Their middlewares sit after WhiteNoise (static files keep their long cache) and before anything
# that answers early (the two-factor redirect, the axes lockout): see MIDDLEWARE.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# One cache shared by every web process, so DRF's throttles (the token endpoint's 20 a minute)
# count across workers, not per process: Redis when configured (short timeouts: a frozen Redis
# holds a request for a second at most), else a database table (dualcare/migrations/0001).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dualcare",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "dualcare_cache"}
    }

# No personal data in logs: no request bodies or query strings are logged by DualCare, and the
# request lines servers log lose theirs (a search is a name in the query string): runserver's through
# the filter below, gunicorn's by gunicorn.conf.py (dualcare/log_filters.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_query_string": {"()": "dualcare.log_filters.WithoutQueryString"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["without_query_string"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

# The site's address, for the links in email and GOV.UK Notify messages (which cannot be
# relative): scheme and host, no path. Default with DEBUG: http://127.0.0.1:8000; with DEBUG off,
# set it (else https://<the first of ALLOWED_HOSTS>, else links are left as bare paths).
_first_host = next((h for h in ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")), "")
SITE_URL = env_str(
    "SITE_URL",
    "http://127.0.0.1:8000"
    if (DEBUG or TESTING)
    else (f"{'https' if _https else 'http'}://{_first_host}" if _first_host else ""),
).rstrip("/")
if SITE_URL and (
    not SITE_URL.startswith(("https://", "http://"))
    or not SITE_URL.split("://", 1)[1]
    or any(c in SITE_URL.split("://", 1)[1] for c in "/?# ")
):
    raise ImproperlyConfigured(
        "SITE_URL must be the site's address, scheme and host only, e.g. "
        f"https://dualcare.example.org, got {SITE_URL!r}"
    )

# Days an admin may undo a merge of two records of one person (dualcare/people/merging.py).
PEOPLE_MERGE_UNDO_DAYS = env_int("PEOPLE_MERGE_UNDO_DAYS", 30)
