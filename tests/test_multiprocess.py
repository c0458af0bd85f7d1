"""Several server processes: `hotline serve --workers 2` (gunicorn) with `hotline worker`
beside it, in subprocesses over the committed test database (SQLite or PostgreSQL, as the suite
runs). The dashboard shows the report the worker stored, from every process and at once when a
new one is stored; a token revoked by another process is refused at once; the outbox is
delivered by the worker, not by the server processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.cache import cache
from django.test import Client

from hotline.accounts.models import ApiToken
from hotline.notify.models import OutboxMessage
from hotline.supervision import selectors as supervision
from tests.common.live_server import TEST_SECRET_KEY, LiveServer
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import NEW_ORDER

WAIT_SECONDS = 60.0
TRIES = 12  # requests per check, each on a new connection, so both processes answer some


def _until(check: Callable[[], bool], *, what: str, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {WAIT_SECONDS} s:\n{log()}")
        time.sleep(0.2)


class Worker:
    """`hotline worker` in a subprocess, on the server's environment."""

    def __init__(self, *, log: Path, env: dict[str, str]) -> None:
        self.log, self.env = log, env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "hotline.cli", "worker", "--outbox-interval", "0.2"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def log_tail(self) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-40:])


@pytest.fixture
def processes(live_world: World, tmp_path: Path) -> Iterator[tuple[LiveServer, Worker]]:
    """Two server processes and a worker, always stopped before live_db flushes the database."""
    server = LiveServer(log=tmp_path / "serve.log", threads=4, workers=2)
    worker = Worker(log=tmp_path / "worker.log", env=server.env)
    try:
        yield server, worker
    finally:
        worker.stop()
        server.stop()


def _gets(url: str, *, headers: dict[str, str] | None = None, cookies: Any = None) -> list[Any]:
    """TRIES answers, each on its own connection."""
    answers = []
    for _ in range(TRIES):
        with httpx.Client(headers=headers, cookies=cookies, timeout=60.0) as client:
            answers.append(client.get(url))
    return answers


def _marked(report: dict[str, Any], marker: str) -> dict[str, Any]:
    finding: dict[str, Any] = {
        "detector": "bounce",
        "severity": "high",
        "order": None,
        "unit": None,
        "agent": None,
        "day": None,
        "evidence": [],
        "explanation": marker,
    }
    return {**report, "findings": [finding, *report.get("findings", [])]}


def test_two_server_processes_and_a_worker_behave_as_one_process(
    processes: tuple[LiveServer, Worker], live_world: World, settings: Any
) -> None:
    server, worker = processes
    server.start()
    both_logs = lambda: f"{server.log_tail()}\n--- worker ---\n{worker.log_tail()}"  # noqa: E731
    _, raw = ApiToken.issue(user=live_world.agent, name="multiprocess test")
    bearer = {"Authorization": f"Bearer {raw}"}

    # The outbox: a receipt queued through the API waits for the worker, then goes out.
    created = httpx.post(f"{server.url}/api/orders", json=NEW_ORDER, headers=bearer, timeout=60)
    assert created.status_code == 201, created.text
    receipt = OutboxMessage.objects.get(channel="sms")
    time.sleep(2)  # the server processes have had time to send it, were they to
    assert OutboxMessage.objects.get(pk=receipt.pk).status == OutboxMessage.PENDING
    assert supervision.cache.get(supervision._STAMP_KEY) is None  # no report made yet
    worker.start()
    _until(
        lambda: OutboxMessage.objects.get(pk=receipt.pk).status == OutboxMessage.SENT,
        what="the worker sending the receipt",
        log=both_logs,
    )

    # The dashboard: the worker computes the report; every process shows the one last stored.
    _until(
        lambda: cache.get(supervision._BODY_KEY) is not None,
        what="the worker storing the report",
        log=both_logs,
    )
    settings.SECRET_KEY = TEST_SECRET_KEY  # the session is signed as the server signs it
    session = force_login_verified(Client(), live_world.supervisor).cookies
    cookies = {"sessionid": session["sessionid"].value}
    report = cache.get(supervision._BODY_KEY)["report"]
    for marker in ("第一份报告 first report", "第二份报告 second report"):
        supervision.supervision_report_store(_marked(report, marker))
        pages = _gets(f"{server.url}/tianyan/", cookies=cookies)
        assert {page.status_code for page in pages} == {200}
        assert all(marker in page.text for page in pages), "a process showed another report"
    assert not any("first report" in page.text for page in pages)

    # Token revocation: answers every process kept stop at once when another process revokes.
    assert {r.status_code for r in _gets(f"{server.url}/api/orders", headers=bearer)} == {200}
    revoked = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "token", live_world.agent.username, "--revoke"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert revoked.returncode == 0, revoked.stderr
    assert {r.status_code for r in _gets(f"{server.url}/api/orders", headers=bearer)} == {401}
