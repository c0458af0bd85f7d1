"""The demo's call center (话务): the last days' Asterisk queue_log of the 40 agents, simulated
with agents sitting in "busy" and one leaving the post, then imported like any real log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from hotline.callcenter.models import CallLogImport
from hotline.callcenter.services import calllog_import
from hotline.demo.city import AGENTS
from hotline.domain import callcenter
from hotline.domain.callcenter.simulate import simulate_queue_log
from hotline.paths import VAR_DIR

CALL_DAYS = 3


def call_center_seed(*, orders: int) -> list[str]:
    """Simulate and import the queue_log; returns the answered call ids, newest first, for the
    phone orders to carry."""
    path = Path(VAR_DIR) / "demo_queue_log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        center = simulate_queue_log(
            out,
            start=timezone.localdate() - timedelta(days=CALL_DAYS),
            days=CALL_DAYS,
            agents=AGENTS,
            calls_per_day=max(200, orders * 15),
        )
    if not CallLogImport.objects.exists():
        calllog_import(path=path, shifts=center.shifts, actor_name="demo")
    answered = callcenter.load(path).rows(
        "SELECT call_id FROM calls WHERE outcome = 'answered' ORDER BY entered_at DESC"
    )
    return [row["call_id"] for row in answered]
