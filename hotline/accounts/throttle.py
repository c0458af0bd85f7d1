"""Guessing limits per client address (查询码 on the tracking page, Open311 api_keys).

A fixed window on Django's cache: the first failure from an address opens a window of
``seconds``; ``failures`` failures inside it shut the address out until the window ends, right
answers included, so a guesser learns nothing more from a locked address. Counters live in the
cache configured for the site (in-process memory by default: one server process, many threads).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the request came from, as the server saw it (a proxy in front must pass the
    client's address on; waitress's trusted_proxy settings do that)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


@dataclass(frozen=True)
class Throttle:
    name: str  # also the settings entry: {"failures": N, "seconds": S}

    @property
    def limits(self) -> tuple[int, int]:
        config = getattr(settings, self.name)
        return int(config["failures"]), int(config["seconds"])

    def _key(self, address: str) -> str:
        return f"throttle:{self.name}:{address}"

    def blocked(self, request: HttpRequest) -> bool:
        failures, _ = self.limits
        return int(cache.get(self._key(client_address(request)), 0)) >= failures

    def failed(self, request: HttpRequest) -> None:
        """Count one failure from the request's address."""
        _, seconds = self.limits
        key = self._key(client_address(request))
        if not cache.add(key, 1, timeout=seconds):
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add and incr
                cache.add(key, 1, timeout=seconds)

    @property
    def minutes(self) -> int:
        """The window, in whole minutes, for the message people read."""
        return max(1, self.limits[1] // 60)


TRACKING = Throttle("HOTLINE_TRACK_THROTTLE")
OPEN311_KEYS = Throttle("HOTLINE_OPEN311_KEY_THROTTLE")
