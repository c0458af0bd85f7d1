"""Django settings. Configuration comes from the environment:

- ``DATABASE_URL`` (e.g. ``postgres://user:pw@127.0.0.1:5432/hotline``) for production;
- otherwise ``HOTLINE_DB`` (a SQLite file path, default ``var/hotline.sqlite3``);
- ``HOTLINE_SECRET_KEY``, ``HOTLINE_DEBUG``, ``HOTLINE_ALLOWED_HOSTS``;
- ``HOTLINE_TLS=1`` when the site is served over HTTPS (Secure cookies, HSTS, redirect to HTTPS);
- ``HOTLINE_DEMO=1`` (``hotline demo`` sets it): the demo city, see "Secrets" below.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

from hotline.paths import VAR_DIR

# Secrets. SECRET_KEY signs sessions and keys the tracking codes (查询码), so a key anyone can read
# lets anyone compute any order's code. There is no fixed fallback: without HOTLINE_SECRET_KEY
# this process makes a random key of its own, which dies with it (sessions and codes shown
# end with the process). `hotline serve` refuses to start on such a key unless HOTLINE_DEMO=1,
# the demo city (`hotline demo` sets it itself), whose database is thrown away on every start.
HOTLINE_DEMO = os.environ.get("HOTLINE_DEMO", "0") == "1"
HOTLINE_SECRET_KEY_CONFIGURED = bool(os.environ.get("HOTLINE_SECRET_KEY"))
SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = os.environ.get("HOTLINE_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("HOTLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' JavaScript locally: hotline networks are often offline
    "hotline.eventstore",
    "hotline.accounts",
    "hotline.reference",
    "hotline.workorders",
    "hotline.callcenter",
    "hotline.open311",
    "hotline.notify",
    "hotline.supervision",
    "hotline.dispatch",
    "hotline.web",
    "axes",  # lockout after repeated failed log-ins
    "django_otp",  # 二次验证: TOTP codes from an authenticator app, static recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page language: Chinese, or English once chosen with the header's switch.
    "hotline.web.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hotline.web.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 登录锁定, three limits over the same 15 minutes (hotline.accounts.lockout):
# - 5 failures for one user name from one address (a mistyped password, a guesser);
# - 10 failures for one user name from any addresses (guessing spread over many addresses);
# - 20 failures from one address whatever the user names (password spraying: a few tries at
#   each of many users). A call center behind one NAT address may list it in AXES_IP_WHITELIST.
# A locked user's API tokens stop working too, until the lock ends.
HOTLINE_LOCKOUT_LIMITS: list[tuple[tuple[str, ...], int]] = [
    (("username", "ip_address"), 5),
    (("username",), 10),
    (("ip_address",), 20),
]
AXES_HANDLER = "hotline.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5  # the first limit; the handler scales the others to it
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [list(fields) for fields, _ in HOTLINE_LOCKOUT_LIMITS]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "hotline.web.context.navigation",
            ]
        },
    }
]


_TEST_DB_TAG = os.environ.get("HOTLINE_TEST_DB_TAG", "")


def _sqlite(path: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Writers queue on BEGIN IMMEDIATE instead of failing half-way through a transaction.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            " PRAGMA foreign_keys=ON;",
        },
        # A file, not shared-cache memory, so tests see WAL and busy waits as production does.
        # HOTLINE_TEST_DB_TAG lets two suites run side by side in one checkout.
        "TEST": {"NAME": str(VAR_DIR / f"test-hotline{_TEST_DB_TAG}.sqlite3")},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES: dict[str, Any] = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)
    }
    if _TEST_DB_TAG:
        _base = DATABASES["default"]["NAME"]
        _tag = "".join(c if c.isalnum() else "_" for c in _TEST_DB_TAG)
        DATABASES["default"]["TEST"] = {"NAME": f"test_{_base}{_tag}"}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT for the application's queries: short list queries whose row estimate is high
        # crossed jit_above_cost and spent more compiling than running (bench/README, issue 17).
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
else:
    DATABASES = {"default": _sqlite(os.environ.get("HOTLINE_DB", str(VAR_DIR / "hotline.sqlite3")))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; PBKDF2 hashes of older accounts still verify and are
# upgraded to Argon2 at their next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if os.environ.get("HOTLINE_FAST_PASSWORDS") == "1":  # tests and benchmarks only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Chinese msgids; the English catalogue is compiled by hotline.web.catalogue (not committed).
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
# Served from the apps' static folders until `collectstatic` fills STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at")

# 附件: units' evidence files, size- and type-checked (hotline/workorders/attachments.py).
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"  # never served directly: downloads go through a view that checks scope
HOTLINE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024

# Logs: Django's own set-up (django.utils.log.DEFAULT_LOGGING) plus a stderr handler for every
# other logger (hotline, waitress) in place of Python's last resort, and on every handler a filter
# that masks phone, ID and card numbers and e-mail addresses (request paths carry what citizens
# typed).
_MASK = ["mask_personal_data"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "hotline.logging_masking.MaskPersonalData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "require_debug_true": {"()": "django.utils.log.RequireDebugTrue"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "plain": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "level": "INFO",
            "filters": ["require_debug_true", *_MASK],
            "class": "logging.StreamHandler",
        },
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": _MASK,
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false", *_MASK],
            "class": "django.utils.log.AdminEmailHandler",
        },
        "stderr": {
            "level": "WARNING",
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": _MASK,
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# 存证锚点: the center's Ed25519 private key (a PEM file; `hotline events anchor-key --out FILE`
# makes one) signs the anchors; without it none is written. Copies of each go to the folder.
HOTLINE_ANCHOR_KEY = os.environ.get("HOTLINE_ANCHOR_KEY", "")
HOTLINE_ANCHOR_DIR = VAR_DIR / "anchors"

# Django's cache lives in the database (table hotline_cache, made by the accounts migrations), so
# every server process and `hotline worker` share it: the 天眼 report the worker computes, the
# API tokens' revocation stamp, the guessing counters below.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hotline_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# API tokens expire this many days after they are issued (`hotline token USER` prints the date).
HOTLINE_TOKEN_DAYS = 90
# Guessing limits per client address, on Django's cache (shared by every server process):
# 10 wrong tracking codes (查询码) or 10 unknown Open311 api_keys in 10 minutes → 429 until the
# window ends.
HOTLINE_TRACK_THROTTLE = {"failures": 10, "seconds": 600}
HOTLINE_OPEN311_KEY_THROTTLE = {"failures": 10, "seconds": 600}
# 二次验证 (TOTP): required for supervisors and admins, optional for everyone else.
OTP_TOTP_ISSUER = "12345 Hotline"

# Content-Security-Policy: scripts only from this site (every script is a static file, none
# inline), no plugins, no framing. Inline styles stay allowed: htmx adds its indicator style and
# the API docs (Swagger UI) style elements from script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# HTTPS (HOTLINE_TLS=1): TLS ends at a reverse proxy in front of waitress, which must set
# X-Forwarded-Proto (and strip it from clients). Cookies only over HTTPS, HSTS for a year.
HOTLINE_TLS = os.environ.get("HOTLINE_TLS", "0") == "1"
if HOTLINE_TLS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# SLA defaults (工作时间) when no policy row matches an order's category and urgency.
HOTLINE_SLA_DEFAULTS = {
    "normal": {"accept_hours": 2.0, "handle_days": 5.0},
    "urgent": {"accept_hours": 0.5, "handle_days": 1.0},
}
HOTLINE_CENTER_UNIT = "center"
# Outbox delivery back ends per channel (hotline outbox deliver); the console prints.
HOTLINE_NOTIFY_BACKENDS = {
    "sms": "hotline.notify.backends.ConsoleBackend",
    "email": "hotline.notify.backends.ConsoleBackend",
}
# Open311 GeoReport v2 discovery document.
HOTLINE_OPEN311 = {
    "changeset": "2026-11-27T00:00:00+08:00",
    "contact": "12345 政务服务便民热线 hotline center",
    "key_service": "API keys are issued by the hotline center's administrators "
    "(admin: Open311 API keys)",
}
# 回访: due within this many working days of a unit's closure (the end of the Nth working day
# after the closing day); an unanswered call leaves the order on the worklist, up to ATTEMPTS
# calls. See hotline.domain.follow_ups and docs/design.md.
HOTLINE_FOLLOW_UP_WORKING_DAYS = int(os.environ.get("HOTLINE_FOLLOW_UP_WORKING_DAYS", "2"))
HOTLINE_FOLLOW_UP_ATTEMPTS = int(os.environ.get("HOTLINE_FOLLOW_UP_ATTEMPTS", "3"))
# Order lists (web and API) count their rows exactly up to this many; above it, on PostgreSQL,
# they show the planner's estimate as "约 N 条" (hotline.workorders.totals).
HOTLINE_ESTIMATED_TOTAL_ABOVE = 10_000
# Order detectors (天眼): thresholds per detector code; empty means the documented defaults.
HOTLINE_SUPERVISION: dict[str, dict[str, float | str]] = {
    "bounce": {"min_returns": 5, "max_units": 6},
    "rejected_close": {"min_rejections": 2},
    "stalled": {"working_days": 5},
    "repeat_request": {"within_days": 30},
    "boilerplate_reply": {"min_orders": 5, "min_characters": 6},
    "reply_mismatch": {"min_content": 8, "max_shared": 0.3, "max_found": 5},
    # 热点: not a detector but grouped by the same engine (hotline.domain.hotspots.cluster).
    "hotspots": {"window_hours": 48, "min_orders": 4, "min_callers": 3},
    "unsatisfied_after_close": {"max_bad_score": 2},
    # 回访超时 is the center's own lapse: charged to the center unit, never to a handling unit.
    "overdue_follow_up": {
        "working_days": HOTLINE_FOLLOW_UP_WORKING_DAYS,
        "attempts": HOTLINE_FOLLOW_UP_ATTEMPTS,
        "center_unit": HOTLINE_CENTER_UNIT,
    },
}
# Agent detectors (话务监督): thresholds for long_busy (长时间置忙) and away_from_post (脱岗).
HOTLINE_CALLCENTER = {
    "long_busy": {
        "long_pause_minutes": 45.0,
        "paused_share": 0.35,
        "min_logged_in_minutes": 120.0,
        "peak_quantile": 0.75,
    },
    "away_from_post": {"absent_minutes": 20.0, "grace_minutes": 5.0, "unreachable_rings": 3},
}
# 未接来电回拨: hours after an abandoned call within which it should be called back.
HOTLINE_CALLBACK_WINDOW_HOURS = float(os.environ.get("HOTLINE_CALLBACK_WINDOW_HOURS", "24"))

# Smart dispatch (智能派单): the classifier the API serves, and the duplicate search window.
HOTLINE_DISPATCH: dict[str, str | float] = {
    "model": os.environ.get("HOTLINE_DISPATCH_MODEL", str(VAR_DIR / "dispatch" / "model.joblib")),
    "duplicate_window_days": 30,
    "duplicate_rebuild_seconds": 300,
}
