"""登录锁定 with a limit of its own for each way of counting failures (HOTLINE_LOCKOUT_LIMITS).

django-axes counts failures per lockout parameter (user name and address together, user name
alone, address alone) but compares them all with one AXES_FAILURE_LIMIT. The handler scales each
count to that limit, so each parameter locks at its own number: with limit L and a parameter's
own limit n, ``failures * L // n`` reaches L exactly when ``failures`` reaches n.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def _limits() -> list[int]:
    return [limit for _, limit in settings.HOTLINE_LOCKOUT_LIMITS]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        base = int(settings.AXES_FAILURE_LIMIT)
        worst = 0
        for attempts, limit in zip(
            self.get_user_attempts(request, credentials), _limits(), strict=True
        ):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, failures * base // limit)
        return worst

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A good log-in clears its own user name's failures, never its address's: otherwise a
        sprayer holding one real account would log in with it between rounds to start over."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


def _window_start() -> Any:
    return timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))


def username_locked(username: str) -> bool:
    """Is the account locked now, by its own name: too many failures from one address, or from
    all addresses together? (An address that sprays many names locks that address, not the
    accounts it tried.)"""
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=_window_start())
    per_address = attempts.values("ip_address").annotate(n=Sum("failures_since_start"))
    limits = dict((tuple(fields), limit) for fields, limit in settings.HOTLINE_LOCKOUT_LIMITS)
    total = sum(row["n"] for row in per_address)
    if total >= limits.get(("username",), total + 1):
        return True
    pair = limits.get(("username", "ip_address"))
    return pair is not None and any(row["n"] >= pair for row in per_address)
