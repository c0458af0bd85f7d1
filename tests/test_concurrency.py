"""Twenty threads acting on one order: no lost update, one event per success."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from hotline.domain.lifecycle import IllegalTransition, State
from hotline.workorders import services as s
from hotline.workorders.interchange import events_verify
from hotline.workorders.models import WorkOrder
from hotline.workorders.services import VersionConflict
from tests.common.world import World

THREADS = 20


def _race(task: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(THREADS)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return task(i)
        except Exception as exc:  # the outcome under test
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def _seqs(order: WorkOrder) -> list[int]:
    return list(order.events.order_by("seq").values_list("seq", flat=True))


@pytest.mark.usefixtures("live_db")
def test_twenty_concurrent_urges_lose_nothing(live_world: World) -> None:
    order = live_world.walk(live_world.create(), State.HANDLING)
    start = order.version
    outcomes = _race(
        lambda i: s.workorder_urge(actor=live_world.dispatcher, order=order.number, note=f"#{i}")
    )
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    order.refresh_from_db()
    assert order.version == start + THREADS
    assert order.urge_count == THREADS
    assert _seqs(order) == list(range(1, order.version + 1))
    notes = {e.data["note"] for e in order.events.filter(action="urge")}
    assert notes == {f"#{i}" for i in range(THREADS)}
    assert events_verify().ok


@pytest.mark.usefixtures("live_db")
def test_twenty_writers_with_the_same_expected_version_one_wins(live_world: World) -> None:
    order = live_world.walk(live_world.create(), State.HANDLING)
    seen = order.version
    outcomes = _race(
        lambda i: s.workorder_reply(
            actor=live_world.handler_a, order=order.number, text=f"答复{i}", expected_version=seen
        )
    )
    wins = [o for o in outcomes if isinstance(o, WorkOrder)]
    losses = [o for o in outcomes if isinstance(o, VersionConflict)]
    assert (len(wins), len(losses)) == (1, THREADS - 1)
    order.refresh_from_db()
    assert order.version == seen + 1
    assert order.events.filter(action="reply").count() == 1
    assert events_verify().ok


@pytest.mark.usefixtures("live_db")
def test_twenty_concurrent_accepts_one_succeeds(live_world: World) -> None:
    order = live_world.walk(live_world.create(), State.DISPATCHED)
    outcomes = _race(lambda i: s.workorder_accept(actor=live_world.handler_a, order=order.number))
    wins = [o for o in outcomes if isinstance(o, WorkOrder)]
    refused = [o for o in outcomes if isinstance(o, IllegalTransition)]
    assert (len(wins), len(refused)) == (1, THREADS - 1)
    order.refresh_from_db()
    assert order.events.filter(action="accept").count() == 1
    assert _seqs(order) == list(range(1, order.version + 1))
