"""Build the in-memory indexes and the supervision report before the first user needs them:
each takes a second or two on a city's database, which no page view should pay."""

from __future__ import annotations

import threading

from hotline.background import run_in_background


def warm_caches() -> None:
    from hotline.dispatch import selectors as dispatch
    from hotline.web.views.tianyan import cached_report

    dispatch.active_classifier()
    dispatch.duplicate_index()
    dispatch.knowledge_index()
    cached_report()


def warm_in_background() -> threading.Thread:
    return run_in_background(
        "warm-caches", warm_caches, failure="warming the caches failed; pages build them on use"
    )
