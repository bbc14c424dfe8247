"""Sheetflow settings: one file, driven by environment variables (see .env.example)."""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable; anything else stops the start (a typo must not quietly mean "no")."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    accepted = ", ".join(TRUE_WORDS + FALSE_WORDS)
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a yes/no value; use one of {accepted}."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is not a whole number (e.g. {default})."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("SHEETFLOW_TESTING", False) or "pytest" in sys.modules
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute address of the site, used for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "sheetflow.common",
    "sheetflow.accounts",
    "sheetflow.projects",
    "sheetflow.drawings",
    "sheetflow.connections",
    "sheetflow.notifications",
    "sheetflow.webhooks",
    # Last: its commands (demo, serve, worker, bench) wire every app above together.
    "sheetflow.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sheetflow.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sheetflow.common.middleware.InputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sheetflow.common.middleware.ServiceErrorMiddleware",
    # Inside the error middleware, so a body Django cannot parse still answers in the API shape.
    "sheetflow.common.uploads.UploadLimitMiddleware",
    "sheetflow.common.middleware.DeadlockRetryMiddleware",
]

ROOT_URLCONF = "sheetflow.urls"
WSGI_APPLICATION = "sheetflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sheetflow" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sheetflow.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(DATA_DIR / "sheetflow.sqlite3")),
            "OPTIONS": {
                # WAL lets the web process read while the worker writes; IMMEDIATE takes the
                # write lock at BEGIN, so two writers queue instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A file, not memory, so tests with threads and worker processes share it.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sheetflow.accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is irrelevant to what the tests check; argon2 stays the production hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "sheetflow" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"

S3_BUCKET = env_str("S3_BUCKET")


def s3_storage(
    bucket: str, *, endpoint_url: str, access_key: str, secret_key: str, region: str
) -> dict[str, object]:
    """The blob store in an S3-compatible bucket (one place, so the tests configure it alike)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region or None,
            "default_acl": None,
            "querystring_auth": True,
        },
    }


STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if S3_BUCKET:
    STORAGES["default"] = s3_storage(
        S3_BUCKET,
        endpoint_url=env_str("S3_ENDPOINT_URL"),
        access_key=env_str("S3_ACCESS_KEY_ID"),
        secret_key=env_str("S3_SECRET_ACCESS_KEY"),
        region=env_str("S3_REGION"),
    )


@dataclass(frozen=True)
class EmailSettings:
    """Django's EMAIL_* settings as EMAIL_URL gives them (the rest keep Django's defaults)."""

    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_ssl: bool = False
    use_tls: bool = False
    timeout: int | None = None
    file_path: str | None = None


def email_settings(url: str) -> EmailSettings:
    """Translate EMAIL_URL (smtp://user:pass@host:port, console://, file:///dir, locmem://)."""
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme in {"smtp", "smtps", "submission"}:
        return EmailSettings(
            backend="sheetflow.common.mail.EmailBackend",
            host=parsed.hostname or "localhost",
            port=parsed.port or (465 if scheme == "smtps" else 25),
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            use_ssl=scheme == "smtps",
            use_tls=scheme == "submission",
            timeout=10,
        )
    if scheme == "file":
        return EmailSettings(
            backend="django.core.mail.backends.filebased.EmailBackend",
            file_path=parsed.path or str(DATA_DIR / "mail"),
        )
    if scheme == "locmem":
        return EmailSettings(backend="django.core.mail.backends.locmem.EmailBackend")
    if scheme == "console":
        return EmailSettings(backend="django.core.mail.backends.console.EmailBackend")
    raise ImproperlyConfigured(f"Unsupported EMAIL_URL scheme: {scheme!r}")


_email = email_settings(env_str("EMAIL_URL", f"file://{DATA_DIR / 'mail'}"))
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_SSL = _email.use_ssl
EMAIL_USE_TLS = _email.use_tls
EMAIL_TIMEOUT = _email.timeout
if _email.file_path is not None:
    EMAIL_FILE_PATH = _email.file_path
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sheetflow <sheetflow@localhost>")

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        # Sync runs on its own queue, served by its own thread in every worker, so renderings
        # and emails (however heavy) never delay other tenants' sync.
        "QUEUES": ["default", "sync"],
    }
}
# Workers renew a heartbeat every WORKER_HEARTBEAT_SECONDS; one silent for WORKER_DEAD_SECONDS
# is dead, and the reaper (every WORKER_REAPER_SECONDS in each worker) re-queues its tasks.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 2)
WORKER_DEAD_SECONDS = env_int("WORKER_DEAD_SECONDS", 15)
WORKER_REAPER_SECONDS = env_int("WORKER_REAPER_SECONDS", 5)

# Upload limits: bytes per file, bytes per request (all files together, checked while the
# body is read) and pages per upload. Files over FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to
# a temporary file, never held whole in memory.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", 400 * 1024 * 1024)
UPLOAD_MAX_PAGES = env_int("UPLOAD_MAX_PAGES", 2000)
# Bounds of one export of the current set as a zip (refused beyond, asking for filters).
EXPORT_MAX_SHEETS = env_int("EXPORT_MAX_SHEETS", 5000)
EXPORT_MAX_BYTES = env_int("EXPORT_MAX_BYTES", 4 * 1024 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "sheetflow.common.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The budget of every PDF operation (check, split, title-block text, rendering, OCR): each runs
# in a child process limited to this much memory (address space) and CPU time, and is killed
# after this many seconds of wall-clock time. Renderings are bounded by a pixel count (width x
# height), so a tall narrow page is rendered smaller rather than as an enormous bitmap.
PDF_JOB_MEMORY_MB = env_int("PDF_JOB_MEMORY_MB", 450)
PDF_JOB_CPU_SECONDS = env_int("PDF_JOB_CPU_SECONDS", 20)
PDF_JOB_SECONDS = env_int("PDF_JOB_SECONDS", 30)
PDF_MAX_PIXELS = env_int("PDF_MAX_PIXELS", 8_000_000)

# Widths in pixels of a sheet's thumbnail (drawing log) and of its larger rendering (viewer).
DRAWINGS_THUMBNAIL_WIDTH = env_int("DRAWINGS_THUMBNAIL_WIDTH", 400)
# A sheet still without a rendering this long after upload is queued again (a lost task).
DRAWINGS_RENDER_RETRY_SECONDS = env_int("DRAWINGS_RENDER_RETRY_SECONDS", 60)
DRAWINGS_IMAGE_WIDTH = env_int("DRAWINGS_IMAGE_WIDTH", 2000)
# OCR of title blocks on pages without a text layer (Tesseract, in the worker): seconds per
# page before it is given up (the fields then stay as they were, flagged).
OCR_TIMEOUT_SECONDS = env_int("OCR_TIMEOUT_SECONDS", 10)
# Revision compare: pixels each sheet is rendered at (the bigger page sets the scale), and
# the seconds a comparison may take before it is given up as "could not compare".
DRAWINGS_COMPARE_PIXELS = env_int("DRAWINGS_COMPARE_PIXELS", 4_000_000)
DRAWINGS_COMPARE_SECONDS = env_int("DRAWINGS_COMPARE_SECONDS", 30)

# Projects with more drawing revisions than this cannot be connected.
CONNECTION_MAX_REVISIONS = env_int("CONNECTION_MAX_REVISIONS", 50_000)
# How long after becoming connected a connection may be undone, in seconds.
CONNECTION_UNDO_SECONDS = env_int("CONNECTION_UNDO_SECONDS", 300)
# How many times a notification email is tried before giving up (with growing delays).
NOTIFICATION_EMAIL_ATTEMPTS = env_int("NOTIFICATION_EMAIL_ATTEMPTS", 5)
# Emails sent over one mail-server connection (and by one sending task), and how many a second
# one worker process hands to an SMTP server (0: no limit), so a 1,000-downstream fan-out does
# not open a thousand connections nor trip the relay's limits.
EMAIL_BATCH_SIZE = env_int("EMAIL_BATCH_SIZE", 100)
EMAIL_RATE_PER_SECOND = env_int("EMAIL_RATE_PER_SECOND", 10)

# Sync engine: upstream changes applied per transaction (initial copy / live), and how long a
# worker's claim on a connection lasts without renewal (a killed worker's claim expires).
SYNC_INITIAL_WINDOW = env_int("SYNC_INITIAL_WINDOW", 20_000)
SYNC_LIVE_WINDOW = env_int("SYNC_LIVE_WINDOW", 2_000)
SYNC_LEASE_SECONDS = env_int("SYNC_LEASE_SECONDS", 5)
# Connections one runner syncs together; past it, a second worker takes the rest.
SYNC_GROUP_MAX = env_int("SYNC_GROUP_MAX", 500)

# Sign-in throttle: failures allowed per (email, client address) and per client address before
# each further one waits longer (1 s, 2 s, 4 s … up to SIGN_IN_MAX_DELAY_SECONDS).
SIGN_IN_FREE_ATTEMPTS = env_int("SIGN_IN_FREE_ATTEMPTS", 5)
SIGN_IN_FREE_ATTEMPTS_PER_CLIENT = env_int("SIGN_IN_FREE_ATTEMPTS_PER_CLIENT", 50)
SIGN_IN_MAX_DELAY_SECONDS = env_int("SIGN_IN_MAX_DELAY_SECONDS", 900)
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks), and how many of
# them stand in front of Sheetflow; with none, the client address is REMOTE_ADDR.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address") from _exc

# Content-Security-Policy of every response: scripts and styles only from our own files (no
# inline script, no style attributes). The sheet viewer (pdf.js) runs its worker from our
# origin or a blob: URL, decodes some images with WebAssembly and may load fonts as data:.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), fullscreen=(self)"
)

# Webhooks: plain http:// endpoints only in development (or when allowed here); addresses in
# private, loopback or link-local ranges are refused unless listed (CIDRs, e.g. 127.0.0.1/32).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# A worker's claim on a delivery (a killed worker's claim expires and another sends it).
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 60)
# Retries stop, and an endpoint failing all along is disabled, after this many hours.
WEBHOOK_RETRY_HOURS = env_int("WEBHOOK_RETRY_HOURS", 24)
# The first retry's delay in seconds; each next one doubles, up to an hour.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
# Request and response bodies are kept in the delivery log this many days.
WEBHOOK_BODY_DAYS = env_int("WEBHOOK_BODY_DAYS", 7)


SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
