"""Build the in-memory indexes and the supervision report before the first user needs them:
each takes a second or two on a city's database, which no page view should pay."""

from __future__ import annotations

import logging
import threading

from django.db import connections

log = logging.getLogger(__name__)


def warm_caches() -> None:
    from hotline.dispatch import selectors as dispatch
    from hotline.web.views.tianyan import cached_report

    dispatch.active_classifier()
    dispatch.duplicate_index()
    dispatch.knowledge_index()
    cached_report()


def warm_in_background() -> threading.Thread:
    def run() -> None:
        try:
            warm_caches()
        except Exception:
            log.exception("warming the caches failed; pages will build them on first use")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="warm-caches", daemon=True)
    thread.start()
    return thread
