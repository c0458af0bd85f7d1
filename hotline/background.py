"""Work a request should not wait for (warming and refreshing the caches), run in a daemon
thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections

log = logging.getLogger(__name__)


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
