"""The real server (``hotline serve``, waitress) in a subprocess over the committed test database:
for tests that need another process, such as killing it with SIGKILL in the middle of writes.

The test database must be committed-visible to the subprocess, so use it with the ``live_db``
fixture (tests/conftest.py), and stop the server before that fixture flushes the tables.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
from django.conf import settings
from django.db import connection

# `hotline serve` refuses to start without a configured key; any fixed key does for tests.
TEST_SECRET_KEY = "live-server-test-key-not-a-secret-0123456789abcdef"
STARTUP_SECONDS = 60.0


def _database_url(db: dict[str, object]) -> str:
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    url = f"postgres://{auth}{host}:{port}/{quote(str(db['NAME']), safe='')}"
    # Connection options given as URL parameters (?sslmode=require) go back the same way.
    options = db.get("OPTIONS") or {}
    assert isinstance(options, dict)
    plain = {k: v for k, v in options.items() if isinstance(v, str | int) and k != "pool"}
    return f"{url}?{urlencode(plain)}" if plain else url


def server_environment() -> dict[str, str]:
    """The environment of a server that uses the database this test process uses (pytest-django
    has already put the test database's name into the connection's settings)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_SECRET_KEY": TEST_SECRET_KEY,
        "HOTLINE_FAST_PASSWORDS": "1",
        # Never serve a model someone trained in this checkout (as tests/conftest.py does).
        "HOTLINE_DISPATCH_MODEL": str(settings.HOTLINE_DISPATCH["model"]),
    }
    for name in ("HOTLINE_TEST_DB_TAG", "HOTLINE_DEMO"):
        env.pop(name, None)
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["HOTLINE_DB"] = str(db["NAME"])
    elif connection.vendor == "postgresql":
        env["DATABASE_URL"] = _database_url(db)
    else:  # pragma: no cover - the project runs on these two
        raise RuntimeError(f"no live server for a {connection.vendor} database")
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """One ``hotline serve`` process at a time; each start takes a fresh port, so a restart
    right after a kill never waits for the old socket."""

    def __init__(self, *, log: Path, threads: int = 8, workers: int = 1) -> None:
        self.log = log
        self.threads = threads
        self.workers = workers  # more than 1: gunicorn processes, `hotline worker` beside them
        self.env = server_environment()
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.process is None, "the server is already running"
        self.port = free_port()
        command = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(self.port)]
        command += ["--threads", str(self.threads), "--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"hotline serve exited at start:\n{self.log_tail()}")
            try:
                httpx.get(f"{self.url}/api/orders", timeout=2.0)  # 401: up
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        waited = f"hotline serve did not answer in {STARTUP_SECONDS} s"
        raise RuntimeError(f"{waited}:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, transactions in flight cut off."""
        if self.process is None:
            return
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def _signal(self, signum: int) -> None:
        """The server's whole session (started with start_new_session): gunicorn's workers too."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signum)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
