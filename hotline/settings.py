"""Django settings. Configuration comes from the environment:

- ``DATABASE_URL`` (e.g. ``postgres://user:pw@127.0.0.1:5432/hotline``) for production;
- otherwise ``HOTLINE_DB`` (a SQLite file path, default ``var/hotline.sqlite3``);
- ``HOTLINE_SECRET_KEY``, ``HOTLINE_DEBUG``, ``HOTLINE_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import dj_database_url

from hotline.paths import VAR_DIR

SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 登录锁定: five failures for one user name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
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
# Order detectors (天眼): thresholds per detector code; empty means the documented defaults.
HOTLINE_SUPERVISION: dict[str, dict[str, float]] = {
    "bounce": {"min_returns": 5, "max_units": 6},
    "rejected_close": {"min_rejections": 2},
    "stalled": {"working_days": 5},
    "repeat_request": {"within_days": 30},
    "boilerplate_reply": {"min_orders": 5, "min_characters": 6},
    "unsatisfied_after_close": {"max_bad_score": 2},
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

# Smart dispatch (智能派单): the classifier the API serves, and the duplicate search window.
HOTLINE_DISPATCH: dict[str, str | float] = {
    "model": os.environ.get("HOTLINE_DISPATCH_MODEL", str(VAR_DIR / "dispatch" / "model.joblib")),
    "duplicate_window_days": 30,
    "duplicate_rebuild_seconds": 300,
}
