"""The real server, killed with SIGKILL in the middle of concurrent creates, loses no order it
acknowledged, and its hash chains still verify; twenty concurrent creates with one
Idempotency-Key make one order. Both run against `hotline serve` in a subprocess over the test
database, so they hold on SQLite and on PostgreSQL alike (the suite runs on both)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection

from hotline.accounts.models import ApiToken
from hotline.eventstore.verify import events_verify_all
from hotline.workorders.models import IdempotencyKey, WorkOrder, WorkOrderEvent
from tests.common.live_server import LiveServer
from tests.common.world import World

ROUNDS = 3
WRITERS = 6
# Acknowledged creates per round before the kill: enough that the kill lands among many writes
# in flight, few enough that the test stays well under a minute on two cores.
ACKS_BEFORE_KILL = 150
RACERS = 20

NEW_ORDER: dict[str, Any] = {
    "channel": "phone",
    "kind": "complaint",
    "category": "noise",
    "text": "夜间施工噪音扰民",
    "caller_name": "李四",
    "caller_phone": "13900001111",
    "caller_address": "A市人民路1号",
}


@pytest.fixture
def server(live_world: World, tmp_path: Path) -> Iterator[LiveServer]:
    """`hotline serve` over the committed test database; stopped before live_db flushes it."""
    live = LiveServer(log=tmp_path / "serve.log")
    yield live
    live.stop()


@pytest.fixture
def agent_token(live_world: World) -> str:
    _, raw = ApiToken.issue(user=live_world.agent, name="crash test")
    return raw


def _client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0
    )


# -- kill -9 during concurrent creates ---------------------------------------------------------


@dataclass
class Round:
    sent: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # number -> the text sent
    cut_off: int = 0  # connection dropped by the kill: no answer, so no promise made
    early_failures: list[str] = field(default_factory=list)  # anything else: a finding
    lock: threading.Lock = field(default_factory=threading.Lock)


def _hammer(server: LiveServer, token: str, number: int) -> Round:
    """WRITERS threads create orders until ACKS_BEFORE_KILL are acknowledged; then kill -9 the
    server while they keep writing, and wait for every writer to see its connection drop."""
    result = Round()
    enough, killed = threading.Event(), threading.Event()

    def writer(w: int) -> None:
        with _client(server, token) as client:
            i = 0
            while True:
                text = f"第{number}轮 写手{w} 第{i}件: 夜间施工噪音扰民"
                i += 1
                with result.lock:
                    result.sent += 1
                try:
                    answer = client.post("/api/orders", json={**NEW_ORDER, "text": text})
                except httpx.TransportError as exc:
                    with result.lock:
                        if killed.is_set():
                            result.cut_off += 1
                        else:
                            result.early_failures.append(f"{type(exc).__name__}: {exc}")
                    return
                with result.lock:
                    if answer.status_code == 201:
                        result.acknowledged[answer.json()["number"]] = text
                        if len(result.acknowledged) >= ACKS_BEFORE_KILL:
                            enough.set()
                    else:
                        result.early_failures.append(f"{answer.status_code}: {answer.text[:200]}")
                        enough.set()  # stop at once; the assertion names it
                        return

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(writer, w) for w in range(WRITERS)]
        enough.wait(timeout=120)
        killed.set()
        server.kill()
        for future in futures:
            future.result(timeout=60)
    return result


def _lost(acknowledged: dict[str, str]) -> list[str]:
    """Acknowledged orders missing from the database, or holding another request's text."""
    stored = dict(WorkOrder.objects.filter(number__in=acknowledged).values_list("number", "text"))
    return sorted(n for n, text in acknowledged.items() if stored.get(n) != text)


def test_kill_9_during_concurrent_creates_loses_no_acknowledged_order(
    server: LiveServer, agent_token: str
) -> None:
    rounds: list[Round] = []
    acknowledged: dict[str, str] = {}
    for number in range(1, ROUNDS + 1):
        server.start()
        done = _hammer(server, agent_token, number)
        rounds.append(done)
        assert done.early_failures == [], f"{done.early_failures[:5]}\n{server.log_tail()}"
        assert len(done.acknowledged) >= ACKS_BEFORE_KILL
        acknowledged |= done.acknowledged
        # After each kill: every order acknowledged so far is there, and every chain verifies.
        lost = _lost(acknowledged)
        assert lost == [], f"round {number}: {len(lost)} acknowledged orders lost: {lost[:5]}"
        verified = events_verify_all()
        assert verified.ok, f"round {number}: {verified.broken}"

    # Restarted once more after the last kill, the server answers from the same database.
    server.start()
    with _client(server, agent_token) as client:
        listed = client.get("/api/orders", params={"page_size": 1})
    server.stop()
    assert listed.status_code == 200, listed.text
    assert listed.json()["count"] == WorkOrder.objects.count() >= len(acknowledged)
    creates = WorkOrderEvent.objects.filter(order__number__in=acknowledged, action="create")
    assert creates.count() == len(acknowledged)
    print(
        f"\nkill -9 on {connection.vendor}: {ROUNDS} rounds, "
        f"{sum(r.sent for r in rounds)} creates sent, {len(acknowledged)} acknowledged, "
        f"{sum(r.cut_off for r in rounds)} cut off by the kill, {len(_lost(acknowledged))} lost, "
        f"{WorkOrder.objects.count()} orders stored, chain verified after each round "
        f"({events_verify_all().summary()})"
    )


# -- one Idempotency-Key, twenty requests at once ---------------------------------------------


def _race(server: LiveServer, token: str, bodies: list[dict[str, Any]], key: str) -> list[Any]:
    """POST each body with the same key, all at once: every client connects first, then a
    barrier lets the requests go together."""
    barrier = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> httpx.Response:
        with _client(server, token) as client:
            client.get("/api/orders", params={"page_size": 1})  # the connection, kept alive
            barrier.wait(timeout=60)
            return client.post("/api/orders", json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_twenty_concurrent_creates_with_one_idempotency_key_make_one_order(
    server: LiveServer, agent_token: str
) -> None:
    server.start()
    answers = _race(server, agent_token, [NEW_ORDER] * RACERS, key="retry-7f3a")
    assert [a.status_code for a in answers] == [201] * RACERS, answers[0].text
    numbers = {a.json()["number"] for a in answers}
    assert len(numbers) == 1
    assert WorkOrder.objects.count() == 1 == IdempotencyKey.objects.count()
    assert WorkOrderEvent.objects.filter(action="create").count() == 1

    # The same key with a different request is refused, and makes nothing.
    with _client(server, agent_token) as client:
        other = client.post(
            "/api/orders",
            json={**NEW_ORDER, "text": "别的事"},
            headers={"Idempotency-Key": "retry-7f3a"},
        )
    assert other.status_code == 422, other.text
    assert other.json()["detail"][0]["loc"] == ["body", "Idempotency-Key"]
    assert WorkOrder.objects.count() == 1
    assert events_verify_all().ok


def test_two_requests_racing_for_one_key_one_wins_the_other_is_refused(
    server: LiveServer, agent_token: str
) -> None:
    """Ten retries of one request and ten of another share a key: whichever request lands first
    owns the key; its retries all get its order, every other request a 422."""
    server.start()
    first, second = {**NEW_ORDER, "text": "请求甲"}, {**NEW_ORDER, "text": "请求乙"}
    bodies = [first, second] * (RACERS // 2)
    answers = _race(server, agent_token, bodies, key="shared-key")
    (order,) = WorkOrder.objects.all()
    for body, answer in zip(bodies, answers, strict=True):
        if body["text"] == order.text:
            assert answer.status_code == 201, answer.text
            assert answer.json()["number"] == order.number
        else:
            assert answer.status_code == 422, answer.text
            assert answer.json()["detail"][0]["loc"] == ["body", "Idempotency-Key"]
    assert IdempotencyKey.objects.count() == 1
    assert events_verify_all().ok
