"""Work a request should not wait for (warming and refreshing the caches), run in a daemon
thread, and the heartbeat by which every server process knows that some process (the server's
own refresh thread, or ``hotline worker``) keeps the shared results fresh."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections

log = logging.getLogger(__name__)

_HEARTBEAT_KEY = "background:heartbeat"


def background_heartbeat(*, lasts: float) -> None:
    """Say, in the shared cache, that a refresher runs; it is believed for ``lasts`` seconds."""
    cache.set(_HEARTBEAT_KEY, time.time(), timeout=lasts)


def background_running() -> bool:
    """Whether a refresher said so lately: readers may then show a stale result and leave the
    next one to it, instead of computing it on a page view."""
    return cache.get(_HEARTBEAT_KEY) is not None


def run_in_background(name: str, work: Callable[[], None], *, failure: str) -> threading.Thread:
    """Start ``work`` in a thread called ``name``. A failure is logged with ``failure`` (what
    stays in use instead); either way the thread's own database connections are then closed,
    since nothing else would close them."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception(failure)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread
