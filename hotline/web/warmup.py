"""The server's cache thread. It builds the in-memory indexes and the supervision report before
the first user needs them (each takes a second or two on a city's database, which no page view
should pay), then keeps rebuilding the values that went stale while pages were served them: the
duplicate index every few minutes, the report once it is two minutes old. Selectors and views
start no threads; `hotline serve` starts this one.

With ``hotline worker`` beside the server (``hotline serve --workers N``), the worker computes
the shared results (the report, hotline.web.worker) and each server process runs this thread for
its own in-memory indexes only (``shared=False``)."""

from __future__ import annotations

import logging
import threading
import time

from django.db import connections

from hotline import caching
from hotline.background import background_heartbeat, run_in_background

log = logging.getLogger(__name__)

# How soon a stale value a page was served gets rebuilt; a pass with nothing due costs no query.
REFRESH_EVERY_SECONDS = 5.0
# The refresher's heartbeat (hotline.background) is written this often and believed this long.
HEARTBEAT_EVERY_SECONDS = 20.0
HEARTBEAT_LASTS_SECONDS = 60.0


def warm_indexes() -> None:
    """This process's in-memory indexes (智能派单): each process keeps its own."""
    from hotline.dispatch import selectors as dispatch

    dispatch.active_classifier()
    dispatch.duplicate_index()
    dispatch.knowledge_index()


def warm_caches() -> None:
    from hotline.supervision.selectors import supervision_report_cached

    warm_indexes()
    supervision_report_cached()


class Heartbeat:
    """Says a refresher runs, at most every HEARTBEAT_EVERY_SECONDS (a write to the database)."""

    def __init__(self) -> None:
        self.last = -HEARTBEAT_EVERY_SECONDS

    def beat(self) -> None:
        if time.monotonic() - self.last >= HEARTBEAT_EVERY_SECONDS:
            background_heartbeat(lasts=HEARTBEAT_LASTS_SECONDS)
            self.last = time.monotonic()


def refresh_shared() -> int:
    """Compute the shared results that are due (the 天眼 report); returns how many were."""
    from hotline.supervision.selectors import supervision_report_refresh

    return int(supervision_report_refresh())


def refresh_forever(*, every: float, stop: threading.Event, shared: bool = True) -> None:
    """Rebuild due values every ``every`` seconds until ``stop`` is set; meanwhile readers are
    served the stale values instead of rebuilding them (``caching.refresher``). ``shared``: the
    shared results too, as no ``hotline worker`` does it."""
    heartbeat = Heartbeat()
    with caching.refresher():
        while not stop.wait(every):
            done = caching.refresh_due()
            if shared:
                try:
                    heartbeat.beat()
                    done += refresh_shared()
                except Exception:
                    log.exception("refreshing the shared results failed; retrying")
                    done += 1  # close the connection: it may be the cause
            if done:
                # Outside a request nothing closes this thread's connection; a rebuild every
                # few minutes can afford a new one, and a dropped one is then never reused.
                connections.close_all()


def _warm_then_refresh(*, shared: bool) -> None:
    try:
        warm_caches() if shared else warm_indexes()
    except Exception:
        log.exception("warming the caches failed; pages build them on use")
    refresh_forever(every=REFRESH_EVERY_SECONDS, stop=threading.Event(), shared=shared)


def warm_in_background(*, shared: bool = True) -> threading.Thread:
    """Start the cache thread (a daemon: it ends with the server), and, with ``shared``, the
    daily anchor's (存证锚点) when a signing key is configured."""
    from hotline.eventstore.anchor import anchor_daily_in_background

    if shared:
        anchor_daily_in_background()
    return run_in_background(
        "cache-refresh",
        lambda: _warm_then_refresh(shared=shared),
        failure="the cache thread stopped; pages rebuild stale caches themselves",
    )
