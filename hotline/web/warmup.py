"""The server's one cache thread. It builds the in-memory indexes and the supervision report before
the first user needs them (each takes a second or two on a city's database, which no page view
should pay), then keeps rebuilding the values that went stale while pages were served them: the
duplicate index every few minutes, the report once it is two minutes old. Selectors and views
start no threads; `hotline serve` starts this one."""

from __future__ import annotations

import logging
import threading

from django.db import connections

from hotline import caching
from hotline.background import run_in_background

log = logging.getLogger(__name__)

# How soon a stale value a page was served gets rebuilt; a pass with nothing due costs no query.
REFRESH_EVERY_SECONDS = 5.0


def warm_caches() -> None:
    from hotline.dispatch import selectors as dispatch
    from hotline.supervision.selectors import supervision_report_cached

    dispatch.active_classifier()
    dispatch.duplicate_index()
    dispatch.knowledge_index()
    supervision_report_cached()


def refresh_forever(*, every: float, stop: threading.Event) -> None:
    """Rebuild due values every ``every`` seconds until ``stop`` is set; meanwhile readers are
    served the stale values instead of rebuilding them (``caching.refresher``)."""
    with caching.refresher():
        while not stop.wait(every):
            if caching.refresh_due():
                # Outside a request nothing closes this thread's connection; a rebuild every
                # few minutes can afford a new one, and a dropped one is then never reused.
                connections.close_all()


def _warm_then_refresh() -> None:
    try:
        warm_caches()
    except Exception:
        log.exception("warming the caches failed; pages build them on use")
    refresh_forever(every=REFRESH_EVERY_SECONDS, stop=threading.Event())


def warm_in_background() -> threading.Thread:
    """Start the cache thread (a daemon: it ends with the server), and the daily anchor's
    (存证锚点) when a signing key is configured."""
    from hotline.eventstore.anchor import anchor_daily_in_background

    anchor_daily_in_background()
    return run_in_background(
        "cache-refresh",
        _warm_then_refresh,
        failure="the cache thread stopped; pages rebuild stale caches themselves",
    )
