"""``hotline worker``: the background work of every server process, done once, beside them.

It delivers the outbox (SMS/e-mail), computes the 天眼 report (every detector) when it is due and
keeps it in Django's shared cache, and writes the daily anchor (存证锚点) when a signing key is
configured. Server processes started by ``hotline serve --workers N`` only read what it stores;
its heartbeat (hotline.background) tells them to show a stale report rather than compute one.
Each job runs on its own interval; a failing job is logged and tried again on its next turn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

from hotline.web.warmup import REFRESH_EVERY_SECONDS, Heartbeat

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], str]  # what it did, for the log line; "" when nothing
    due_at: float = 0.0


def _outbox() -> str:
    from hotline.notify.services import outbox_deliver

    result = outbox_deliver()
    if not (result.sent or result.retried or result.failed):
        return ""
    return f"outbox: sent {result.sent}, to retry {result.retried}, given up {result.failed}"


def _report(*, force: bool) -> str:
    from hotline.supervision.selectors import supervision_report_refresh

    return "supervision report computed" if supervision_report_refresh(force=force) else ""


def _anchor() -> str:
    from hotline.eventstore.anchor import anchor_daily

    anchor = anchor_daily()
    return f"anchor {anchor.pk} written: root {anchor.root}" if anchor else ""


def worker_jobs(*, outbox_every: float, force_report: bool = False) -> list[Job]:
    from hotline.eventstore.anchor import DAILY_CHECK_SECONDS

    return [
        Job("outbox", outbox_every, _outbox),
        Job("report", REFRESH_EVERY_SECONDS, lambda: _report(force=force_report)),
        Job("anchor", DAILY_CHECK_SECONDS, _anchor),
    ]


def _run(job: Job, say: Callable[[str], None]) -> None:
    close_old_connections()  # as a request does: a dropped or too old connection is replaced
    try:
        if done := job.run():
            say(done)
    except Exception:
        log.exception("the worker's %s job failed; it runs again in %.0f s", job.name, job.every)


def worker_once(*, say: Callable[[str], None]) -> None:
    """Each job once (cron, tests): the outbox's due messages, a new report, the daily anchor."""
    for job in worker_jobs(outbox_every=0, force_report=True):
        _run(job, say)


def worker_forever(
    *, stop: threading.Event, say: Callable[[str], None], outbox_every: float = 5.0
) -> None:
    """Run the jobs on their intervals until ``stop`` is set (SIGTERM, SIGINT)."""
    jobs = worker_jobs(outbox_every=outbox_every)
    heartbeat = Heartbeat()
    while not stop.is_set():
        try:
            heartbeat.beat()
        except Exception:
            log.exception("the worker's heartbeat failed; server processes compute meanwhile")
        for job in jobs:
            if stop.is_set():
                break
            if time.monotonic() >= job.due_at:
                _run(job, say)
                job.due_at = time.monotonic() + job.every
        stop.wait(TICK_SECONDS)
