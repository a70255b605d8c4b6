"""Django settings: the only module that reads the environment (through reclaim.web.env).

Two modes share one codebase: ``personal`` serves one person on their
own machine over loopback; ``service`` is a helpline's deployment behind HTTPS.
Every variable read here is listed, with its meaning, in .env.example.
"""

import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from reclaim.languages import LANGUAGES as RECLAIM_LANGUAGES
from reclaim.web.env import env_bool, env_choice, env_int, env_list, env_str, env_url

REPO_DIR = Path(__file__).resolve().parents[3]
MODE = env_choice("RECLAIM_MODE", ("personal", "service"), "personal")
SERVICE = MODE == "service"
DEBUG = env_bool("DEBUG", False)

_xdg_data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
DATA_DIR = Path(env_str("RECLAIM_DATA_DIR", str(_xdg_data / "reclaim"))).expanduser()
CONTENT_DIR = Path(env_str("RECLAIM_CONTENT_DIR", str(REPO_DIR / "content"))).expanduser()
LOCALE_PATHS = [REPO_DIR / "locale"]

# A neutral page the exit button leaves for. GOV.UK's exit component uses BBC Weather.
EXIT_URL = env_url("RECLAIM_EXIT_URL", "https://www.bbc.co.uk/weather")

# Personal mode: a fresh key per process is enough (sessions end when the server stops,
# which is the safe default on a shared device). A service must keep its key across workers.
MIN_SECRET_KEY_LENGTH = 50
SECRET_KEY = env_str("SECRET_KEY", None if SERVICE else secrets.token_urlsafe(64))
if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters; "
        'make one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

_local_hosts = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if SERVICE else _local_hosts)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name this service's host names")

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'reclaim.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite makes the file but not its folder; the folder holds nothing until someone saves.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers and the writer work at once; IMMEDIATE avoids lock upgrades mid-write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

INSTALLED_APPS = [
    # Administrators register platforms (reclaim.web.protection); the admin's site asks staff
    # for a second factor (reclaim.web.staff).
    "reclaim.web.staff.apps.StaffAdminConfig",
    "django.contrib.messages",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "reclaim.web.staff",
    "reclaim.web.safety",
    "reclaim.web.access",
    "reclaim.web.support",
    "reclaim.web.evidence",
    "reclaim.web.removals",
    "reclaim.web.sharing",
    "reclaim.web.protection",
    "reclaim.web.console",
    # Background jobs (reclaim.web.worker): Django's tasks interface, stored in the database.
    "django_tasks",
    "django_tasks_db",
    "reclaim.web.worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reclaim.web.safety.middleware.privacy_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a body: a page's size limit, and who may send more (safety/bodies.py).
    "reclaim.web.safety.bodies.body_limits",
    "reclaim.web.safety.errors.bare_errors",  # inside the language, for error pages
    "django.middleware.common.CommonMiddleware",
    # Forms are checked by where the browser says they come from, with no cookie (not Django's
    # CsrfViewMiddleware, whose cookie every page with a form would set): see safety/origin.py.
    "reclaim.web.safety.origin.SameOriginForms",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reclaim.web.zones.person_zone",  # after the same-origin check: only real forms set it
]

# Staff sign-in (the admin site) counts each password try before checking it, as survivors'
# sign-in does (reclaim.web.access).
AUTHENTICATION_BACKENDS = ["reclaim.web.access.backends.CountedModelBackend"]

ROOT_URLCONF = "reclaim.web.urls"
WSGI_APPLICATION = "reclaim.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reclaim.web.support.context.site",
            ],
        },
    }
]

LANGUAGE_CODE = "en"
LANGUAGES = [(language.code, language.native_name) for language in RECLAIM_LANGUAGES]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
# Personal mode serves static files straight from the apps' folders (no collectstatic step to
# forget); a service collects them into STATIC_ROOT when it deploys.
STATIC_ROOT = DATA_DIR / "static" if SERVICE else None
WHITENOISE_USE_FINDERS = not SERVICE
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cookies: none until needed, and then first-party, strict and unreadable by scripts.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The admin's own CSRF check (staff only) still uses Django's cookie, set as strictly.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_AGE = None  # gone when the browser closes, like the session
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "reclaim.web.safety.errors.csrf_failure"
# W003 asks for Django's CsrfViewMiddleware; forms are checked instead by where the browser says
# they come from (reclaim.web.safety.origin.SameOriginForms), which needs no cookie.
SILENCED_SYSTEM_CHECKS = ["security.W003"]
# Other sites never learn which page linked to them; this site's own forms carry their origin,
# which the form check needs from browsers without Sec-Fetch-Site (safety/origin.py; with
# no-referrer, Chromium sends "Origin: null").
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

if SERVICE:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("RECLAIM_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        # `reclaim serve` then trusts this proxy's X-Forwarded-For and -Proto (and only its):
        # the client's address counts for rate limits, and the scheme for HTTPS redirects.
        TRUSTED_PROXY = env_str("RECLAIM_TRUSTED_PROXY", "127.0.0.1")

# The evidence locker (reclaim.web.evidence). Personal mode keeps one locker in DATA_DIR;
# a service keeps one per survivor account under DATA_DIR/lockers.
LOCKER_DIR = DATA_DIR / "locker"
LOCKERS_DIR = DATA_DIR / "lockers"
# Lock an open locker after this long without a page or a "stay unlocked"; a warning comes
# a minute before.
LOCKER_IDLE_SECONDS = env_int("RECLAIM_AUTO_LOCK_MINUTES", 10, minimum=2) * 60
# Argon2id is calibrated to take about half a second on this machine, never below RFC 9106's
# low-memory profile; false uses that profile as it is (faster set-up, same floor).
LOCKER_CALIBRATE = env_bool("RECLAIM_LOCKER_CALIBRATE", True)
# The largest file the locker takes through the web (a phone video of a few minutes fits).
MAX_UPLOAD_BYTES = env_int("RECLAIM_MAX_UPLOAD_MB", 500, minimum=1) * 1024 * 1024
# A request body read into memory (not a file): the hash bank API takes up to 4 MB, enough for
# the vPDQ of a ten-hour video; larger bodies get the API's own "too large" answer.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["reclaim.web.evidence.uploads.SealedUploadHandler"]
# RFC 3161 authorities that timestamp packs, the custody log, each locker's key (at set-up)
# and the items as they arrive (in batches). None by default: asking one
# sends it a digest (never the evidence), and that is the person's or the service's choice.
TIMESTAMP_AUTHORITIES = tuple(env_list("RECLAIM_TIMESTAMP_AUTHORITIES", []))
# Tests capture pages they serve on loopback; a deployment must never reach private addresses.
CAPTURE_ALLOW_PRIVATE = env_bool("RECLAIM_CAPTURE_ALLOW_PRIVATE", False)
if CAPTURE_ALLOW_PRIVATE and SERVICE:
    raise ImproperlyConfigured("RECLAIM_CAPTURE_ALLOW_PRIVATE is for tests; never in service mode")

# Background jobs (reclaim.web.worker): queued in the database, run by `reclaim worker`
# processes (service) or a thread of `reclaim serve` (personal).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still running after this long is taken to have lost its worker and runs again: longer
# than any job takes (a capture gives up on a page after a few minutes).
TASK_LEASE_SECONDS = env_int("RECLAIM_TASK_LEASE_SECONDS", 900, minimum=1)

# Removal requests (reclaim.web.removals). Where no law sets a time, a request is followed up
# after this many days (7 by default: our choice of a week, since no law sets one).
FOLLOW_UP_DAYS = env_int("RECLAIM_FOLLOW_UP_DAYS", 7, minimum=1)
# The country a new request's law is chosen for until the person has made one (then their
# last choice): where this site's people live. Reclaim's support content is written for the UK.
REMOVAL_COUNTRY = env_str("RECLAIM_REMOVAL_COUNTRY", "gb")
# The zone times are typed in until a person confirms theirs on a form (reclaim.times reads it).
RECLAIM_TIME_ZONE = env_str("RECLAIM_TIME_ZONE", "Europe/London")
if RECLAIM_TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"RECLAIM_TIME_ZONE must be a time zone such as Europe/London, not {RECLAIM_TIME_ZONE!r}"
    )
# How often the worker looks again at the address of each open request.
RECHECK_HOURS = env_int("RECLAIM_RECHECK_HOURS", 6, minimum=1)
# Where RDAP questions go: empty uses IANA's bootstrap files (RFC 9224) to find each registry;
# a URL sends every question to that one RDAP server (an organisation's proxy, or tests).
RDAP_SERVER = env_str("RECLAIM_RDAP_SERVER", "")
# Email: requests sent on the person's word, and reminders they opted into. Without a host,
# nothing is emailed: the person sends the request themself and records it.
EMAIL_HOST = env_str("RECLAIM_SMTP_HOST", "")
EMAIL_PORT = env_int("RECLAIM_SMTP_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("RECLAIM_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("RECLAIM_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RECLAIM_SMTP_STARTTLS", True)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("RECLAIM_FROM_EMAIL", "requests@localhost")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# Referrals (reclaim.web.sharing): a directory file of helplines that take referrals through
# Reclaim (same schema as content/helplines, each with a [helpline.referrals] table), added to
# those in the content directory. None by default: no real helpline runs Reclaim yet.
_referral_directory = env_str("RECLAIM_REFERRAL_DIRECTORY", "")
REFERRAL_DIRECTORY = Path(_referral_directory).expanduser() if _referral_directory else None
if REFERRAL_DIRECTORY is not None and not REFERRAL_DIRECTORY.is_file():
    raise ImproperlyConfigured(
        f"RECLAIM_REFERRAL_DIRECTORY must be a helpline directory file, not {_referral_directory!r}"
    )
# For tests only (as RECLAIM_CAPTURE_ALLOW_PRIVATE): the survivor's pages may reach a helpline
# on loopback (through the address gate's loopback_only policy, and nothing else) whose
# certificate is signed by the CA in RECLAIM_REFERRAL_CA_FILE instead of the system's.
REFERRAL_ALLOW_LOOPBACK = env_bool("RECLAIM_REFERRAL_ALLOW_LOOPBACK", False)
_referral_ca_file = env_str("RECLAIM_REFERRAL_CA_FILE", "")
REFERRAL_CA_FILE = Path(_referral_ca_file).expanduser() if _referral_ca_file else None
if SERVICE and (REFERRAL_ALLOW_LOOPBACK or REFERRAL_CA_FILE is not None):
    raise ImproperlyConfigured(
        "RECLAIM_REFERRAL_ALLOW_LOOPBACK and RECLAIM_REFERRAL_CA_FILE are for tests; "
        "never in service mode"
    )
if REFERRAL_CA_FILE is not None and not REFERRAL_ALLOW_LOOPBACK:
    raise ImproperlyConfigured(
        "RECLAIM_REFERRAL_CA_FILE is for tests, with RECLAIM_REFERRAL_ALLOW_LOOPBACK=true"
    )
if REFERRAL_CA_FILE is not None and not REFERRAL_CA_FILE.is_file():
    raise ImproperlyConfigured(
        f"RECLAIM_REFERRAL_CA_FILE must be a PEM certificate file, not {_referral_ca_file!r}"
    )

# Staff sign in with a password and a TOTP code (reclaim.web.staff). Each wrong code doubles
# the wait before the next is checked (1 s, 2 s, 4 s...): django-otp's throttle, kept on.
OTP_TOTP_ISSUER = "Reclaim"
OTP_TOTP_THROTTLE_FACTOR = 1

# The hash bank (reclaim.web.protection). The match distance platforms get at most: PDQ's
# 31 bits (Meta's threshold) unless a deployment chooses to be stricter.
MATCH_DISTANCE_BITS = env_int("RECLAIM_MATCH_DISTANCE", 31, minimum=0)
if MATCH_DISTANCE_BITS > 31:
    raise ImproperlyConfigured("RECLAIM_MATCH_DISTANCE is 31 at most (PDQ's match threshold)")
# Where `manage.py bankindex save` keeps the match index, so a restart loads it at once.
BANK_INDEX_DIR = DATA_DIR / "bank-index"
# Platforms read the bank's changes in batches, one every this many minutes (on the clock's
# multiples of it): the price of not showing which hashes came from one person. A day at most.
FEED_BATCH_MINUTES = env_int("RECLAIM_FEED_BATCH_MINUTES", 10, minimum=1)
if FEED_BATCH_MINUTES > 1440:
    raise ImproperlyConfigured("RECLAIM_FEED_BATCH_MINUTES is 1440 (a day) at most")
# A secret that seals each protection case's PIN hash (reclaim.web.protection.pins), kept in
# the environment and never in the database, so that a copy of the database alone gives
# nothing to try the 10^8 PINs against. Required in service mode; changing it later makes
# every case's PIN stop working. Personal mode needs none: there, the database and the
# environment are on the same machine.
MIN_PIN_PEPPER_LENGTH = 32
PIN_PEPPER = env_str("RECLAIM_PIN_PEPPER", None if SERVICE else "")
if PIN_PEPPER and (len(PIN_PEPPER) < MIN_PIN_PEPPER_LENGTH or len(set(PIN_PEPPER)) < 5):
    raise ImproperlyConfigured(
        f"RECLAIM_PIN_PEPPER must be at least {MIN_PIN_PEPPER_LENGTH} random characters; "
        'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
    )

# The helpline console (reclaim.web.console, service mode). A secret that wraps each helpline's
# data key, which seals case content (what happened, the contact): kept in the environment and
# never in the database, so that a copy of the database alone shows no case content. Required
# in service mode; changing it later makes every helpline's cases unreadable.
MIN_HELPLINE_SECRET_LENGTH = 32
HELPLINE_SECRET = env_str("RECLAIM_HELPLINE_SECRET", None if SERVICE else "")
if HELPLINE_SECRET and (
    len(HELPLINE_SECRET) < MIN_HELPLINE_SECRET_LENGTH or len(set(HELPLINE_SECRET)) < 5
):
    raise ImproperlyConfigured(
        f"RECLAIM_HELPLINE_SECRET must be at least {MIN_HELPLINE_SECRET_LENGTH} random "
        'characters; make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
    )
# A staff session ends after this long without a console page.
STAFF_IDLE_SECONDS = env_int("RECLAIM_STAFF_IDLE_MINUTES", 15, minimum=1) * 60
# The largest referral a helpline takes (over /helplines/<slug>/api/v1/referrals or as a file):
# it is received into memory and kept in the database as received (ciphertext).
MAX_REFERRAL_BYTES = env_int("RECLAIM_MAX_REFERRAL_MB", 200, minimum=1) * 1024 * 1024
# The helpline's own routes file (reclaim.notices): the trusted-flagger routes platforms gave it
# on enrolment, in the platform directory's schema, with its ``organisation`` the helpline's
# slug. Not public, so not in content/; optional (without it, the public routes only).
_routes = env_str("RECLAIM_HELPLINE_ROUTES", "")
HELPLINE_ROUTES = Path(_routes).expanduser() if _routes else None
if HELPLINE_ROUTES is not None and not HELPLINE_ROUTES.is_file():
    raise ImproperlyConfigured(f"RECLAIM_HELPLINE_ROUTES names no file: {HELPLINE_ROUTES}")
# Whether a caseworker also gets an email when an address of their case comes back online
# (the console always shows it). The email names no case and no address.
CONSOLE_NOTIFY_EMAIL = env_bool("RECLAIM_CONSOLE_NOTIFY_EMAIL", False)

# What a person reads is nobody's business: no access log, and request errors are logged
# without their path (reclaim.web.safety.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_paths": {"()": "reclaim.web.safety.logging.RedactRequests"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_paths"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
