"""Benchmark: create work orders through the HTTP API (POST /api/orders) on a fresh database.

    .venv/bin/python bench/bench_api.py [--db sqlite|postgres] [--orders N] [--rate 50]
                                        [--seconds 20] [--concurrency 8] [--threads 8]

Steps: a new database (SQLite file in a temp dir, or a throw-away PostgreSQL database
``hotline_bench``), ``hotline migrate``, seed a category ``noise``, the center unit, one ``agent``
user and an API token, then start ``hotline serve --host 127.0.0.1`` as a subprocess and measure

(a) throughput: N orders POSTed by K client threads (http.client, keep-alive), orders/s;
(b) latency at a fixed open-loop rate (default 50 req/s for 20 s): p50/p95/p99 ms, measured from
    each request's *scheduled* send time, so a stalled server is not hidden (no coordinated
    omission); the pure service time (send to last byte) is printed too.

Baseline peer, measured in the same run and interleaved with the real one: a second server on the
same stack (waitress, same thread count, Django settings and middleware, django-ninja, the same
bearer-token auth, the same ``OrderIn`` JSON body) whose endpoint only runs ``SELECT 1`` and
returns a small JSON object. Ratios real/baseline cancel much of the shared machine's noise.

Finally the service ``workorder_create`` is timed in-process (no HTTP), with the queries it issues
counted, and profiled with cProfile when a target is missed (or with ``--profile``).

Targets (issue): >= 200 orders/s and p95 < 50 ms at 50 req/s, on SQLite and on PostgreSQL.
Only 127.0.0.1 is ever contacted; every loop is bounded in count and time; servers are killed at
the end, also on error.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    ROOT,
    BenchDb,
    django_setup,
    hotline,
    run_on_fresh_db,
    summary_ms,
)

HOST = "127.0.0.1"  # loopback only, never anything else
TARGET_RPS = 200.0
TARGET_P95_MS = 50.0
CREATE_PATH = "/api/orders"
BASELINE_PATH = "/bench/select1"


# -- the baseline server (runs in a subprocess: bench_api.py --serve-baseline) -----------------


def serve_baseline(port: int, threads: int) -> None:
    """waitress + Django + ninja + bearer auth + OrderIn parsing + ``SELECT 1``, nothing else."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.http import HttpRequest
    from django.urls import path
    from ninja import NinjaAPI
    from waitress import serve

    from hotline.api import BearerToken
    from hotline.workorders.api import OrderIn

    api = NinjaAPI(title="bench baseline", version="bench", urls_namespace="bench-baseline")

    def select1(request: HttpRequest, payload: OrderIn) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            (one,) = cursor.fetchone()
        return {"ok": one, "category": payload.category}

    # Real classes, not the strings of ``from __future__ import annotations``: ninja reads them.
    select1.__annotations__ = {"request": HttpRequest, "payload": OrderIn, "return": dict}
    api.post("/select1", auth=BearerToken())(select1)

    class BenchUrls:
        urlpatterns = [path("bench/", api.urls)]

    settings.ROOT_URLCONF = BenchUrls  # a module-like object; Django accepts it
    application = get_wsgi_application()
    print(f"baseline serving at http://{HOST}:{port}{BASELINE_PATH}", flush=True)
    serve(application, host=HOST, port=port, threads=threads, ident="bench-baseline")


# -- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {HOST}:{port} within {timeout:.0f} s")


@contextmanager
def server(cmd: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    """Start a server subprocess, wait until it listens, and always kill it afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, proc, 90, log)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


# -- seeding -----------------------------------------------------------------------------------


def seed() -> str:
    """Reference data the API needs; return a raw bearer token for the agent."""
    from hotline.accounts.models import ApiToken, Unit, User
    from hotline.reference.models import Category

    center, _ = Unit.objects.get_or_create(code="center", defaults={"name": "12345热线中心"})
    Unit.objects.get_or_create(code="zhujian", defaults={"name": "市住建局"})
    Category.objects.get_or_create(code="noise", defaults={"name": "噪音扰民"})
    agent, created = User.objects.get_or_create(
        username="bench_agent", defaults={"role": "agent", "unit": center}
    )
    if created:
        agent.set_unusable_password()
        agent.save()
    _, raw = ApiToken.issue(user=agent, name="bench")
    return raw


# -- HTTP client -------------------------------------------------------------------------------


def order_body(i: int) -> bytes:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "category": "noise",
        "text": f"楼下餐馆夜间噪音扰民，已持续一周 (bench #{i})",
        "location": "和平里小区3号楼",
        "caller_name": "张三丰",
        "caller_phone": f"1380000{i % 10000:04d}",
        "caller_address": "A市和平里小区3号楼2单元501",
    }
    return json.dumps(body, ensure_ascii=False).encode()


@dataclass
class Target:
    name: str
    port: int
    path: str
    token: str
    expect: int  # HTTP status of a success
    shown: int = 0  # unexpected answers printed so far

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        }


class Client:
    """One keep-alive connection, reopened after an error."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.headers = target.headers()
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> bool:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.target.port, timeout=60)
            try:
                self.conn.request("POST", self.target.path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    return False
                continue
            if response.status != self.target.expect and self.target.shown < 3:
                self.target.shown += 1
                print(f"  {self.target.name}: HTTP {response.status} {payload[:200]!r}")
            return response.status == self.target.expect
        return False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Result:
    ok: int = 0
    errors: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)  # scheduled send -> last byte
    service: list[float] = field(default_factory=list)  # actual send -> last byte

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0


def closed_loop(target: Target, n: int, concurrency: int, max_seconds: float) -> Result:
    """N requests from K threads as fast as the server answers (bounded by count and time)."""
    counter = itertools.count()
    lock = threading.Lock()
    result = Result()
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        client = Client(target)
        try:
            while time.monotonic() < deadline:
                i = next(counter)
                if i >= n:
                    return
                start = time.perf_counter()
                ok = client.post(order_body(i))
                elapsed = time.perf_counter() - start
                with lock:
                    if ok:
                        result.ok += 1
                        result.service.append(elapsed)
                    else:
                        result.errors += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + 60)
    result.wall = time.perf_counter() - start
    result.latencies = result.service
    return result


def open_loop(target: Target, rate: float, seconds: float, workers: int = 32) -> Result:
    """Send at a fixed rate regardless of answers; latency counts from the scheduled time."""
    total = max(1, int(rate * seconds))
    jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()
    lock = threading.Lock()
    result = Result()
    hard_deadline = time.monotonic() + seconds + 60

    def worker() -> None:
        client = Client(target)
        try:
            while True:
                job = jobs.get()
                if job is None or time.monotonic() > hard_deadline:
                    return
                i, scheduled = job
                sent = time.perf_counter()
                ok = client.post(order_body(100_000 + i))
                done = time.perf_counter()
                with lock:
                    if ok:
                        result.ok += 1
                        result.latencies.append(done - scheduled)
                        result.service.append(done - sent)
                    else:
                        result.errors += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((i, scheduled))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join(timeout=max(0.0, hard_deadline - time.monotonic()))
    result.wall = time.perf_counter() - start
    return result


# -- in-process service timing and profile -----------------------------------------------------


def _agent():  # type: ignore[no-untyped-def]
    from hotline.accounts.models import User

    return User.objects.select_related("unit").get(username="bench_agent")


def inprocess(n: int) -> tuple[float, float]:
    """(creates/s, queries per create) of ``workorder_create`` called directly, no HTTP."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.workorders.services import workorder_create

    agent = _agent()
    with CaptureQueriesContext(connection) as queries:
        workorder_create(actor=agent, **_service_kwargs(0))
    start = time.perf_counter()
    for i in range(n):
        workorder_create(actor=agent, **_service_kwargs(i))
    elapsed = time.perf_counter() - start
    return n / elapsed, float(len(queries.captured_queries))


def _service_kwargs(i: int) -> dict[str, str]:
    body = json.loads(order_body(200_000 + i))
    return dict(body)


def _client(token: str):  # type: ignore[no-untyped-def]
    from django.test import Client

    return Client(headers={"Authorization": f"Bearer {token}"})


def inprocess_http(token: str, n: int) -> tuple[float, float]:
    """(requests/s, queries per request) of POST /api/orders through Django's test client: the
    whole server-side request (middleware, auth, ninja, service, render) without socket or
    waitress."""
    from django.db import connection

    client = _client(token)
    statements = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    # Not CaptureQueriesContext: Django's request_started signal resets the query log.
    with connection.execute_wrapper(count):
        response = client.post(CREATE_PATH, data=order_body(0), content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    start = time.perf_counter()
    for i in range(n):
        body = order_body(400_000 + i)
        client.post(CREATE_PATH, data=body, content_type="application/json")
    elapsed = time.perf_counter() - start
    return n / elapsed, float(statements)


def profile(token: str, n: int, top: int = 30) -> str:
    """cProfile of N in-process POST /api/orders requests (test client, no socket)."""
    client = _client(token)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        body = order_body(500_000 + i)
        client.post(CREATE_PATH, data=body, content_type="application/json")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# -- main --------------------------------------------------------------------------------------


def _fmt(name: str, r: Result) -> str:
    s = summary_ms(r.latencies)
    return (
        f"  {name:<34} {r.rate:8.1f} req/s  ok={r.ok} err={r.errors} wall={r.wall:.1f}s"
        f"  p50={s['p50']:.1f} p95={s['p95']:.1f} p99={s['p99']:.1f} max={s['max']:.1f} ms"
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and b == b and a == a else "n/a"


def run(args: argparse.Namespace, db: BenchDb, tmp: Path) -> bool:
    elapsed, _ = hotline(db, "migrate")
    print(f"hotline migrate: {elapsed:.1f} s ({db.label})")
    django_setup(db)
    token = seed()
    from django.db import connections

    connections.close_all()

    port, bport = free_port(), free_port()
    real = Target("POST /api/orders (hotline serve)", port, CREATE_PATH, token, 201)
    base = Target("POST /bench/select1 (baseline)", bport, BASELINE_PATH, token, 200)
    threads = str(args.threads)
    hotline_cmd = [sys.executable, "-m", "hotline.cli", "serve", "--host", HOST]
    hotline_cmd += ["--port", str(port), "--threads", threads]
    base_cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-baseline"]
    base_cmd += ["--port", str(bport), "--threads", threads]
    cap = args.max_seconds
    with (
        server(hotline_cmd, db.env, port, tmp / "hotline-serve.log"),
        server(base_cmd, db.env, bport, tmp / "baseline-serve.log"),
    ):
        print(f"servers: hotline on {HOST}:{port}, baseline on {HOST}:{bport}, {threads} threads")
        for t in (real, base):  # warm up: imports, connections, caches
            closed_loop(t, 50, 4, 60)
        k = args.concurrency
        print(f"(a) throughput, closed loop, {args.orders} requests, {k} client threads:")
        tb1 = closed_loop(base, args.orders, k, cap)
        print(_fmt(base.name, tb1))
        tr = closed_loop(real, args.orders, k, cap)
        print(_fmt(real.name, tr))
        tb2 = closed_loop(base, args.orders, k, cap)
        print(_fmt(base.name + " again", tb2))
        base_rps = (tb1.rate + tb2.rate) / 2
        print(f"(b) latency, open loop, {args.rate:g} req/s for {args.seconds:g} s:")
        lb = open_loop(base, args.rate, args.seconds)
        print(_fmt(base.name, lb))
        lr = open_loop(real, args.rate, args.seconds)
        print(_fmt(real.name, lr))
    s_real, s_base = summary_ms(lr.latencies), summary_ms(lb.latencies)
    svc = summary_ms(lr.service)
    print(
        f"  service time only (send -> last byte) of the real run:"
        f" p50={svc['p50']:.1f} p95={svc['p95']:.1f} p99={svc['p99']:.1f} ms"
    )

    from hotline.workorders.models import WorkOrder, WorkOrderEvent

    expected = 50 + tr.ok + lr.ok  # warm-up, throughput, latency
    stored = WorkOrder.objects.count()
    events = WorkOrderEvent.objects.count()
    print(f"check: {stored} orders / {events} events stored, {expected} creates answered 201")

    rps, queries = inprocess(args.inprocess)
    print(
        f"in-process workorder_create (no HTTP): {rps:.1f} creates/s over {args.inprocess},"
        f" {queries:.0f} SQL statements per create"
    )

    holds_rps = tr.rate >= TARGET_RPS
    holds_p95 = s_real["p95"] < TARGET_P95_MS
    print()
    print(f"RESULT db={args.db}")
    print(
        f"  throughput  {tr.rate:.1f} orders/s   target >= {TARGET_RPS:.0f}:"
        f" {'HOLDS' if holds_rps else 'MISSED'}   baseline {base_rps:.1f} req/s,"
        f" ratio real/baseline {_ratio(tr.rate, base_rps)}"
    )
    print(
        f"  latency     p50 {s_real['p50']:.1f}  p95 {s_real['p95']:.1f}  p99 {s_real['p99']:.1f}"
        f" ms at {args.rate:g}/s   target p95 < {TARGET_P95_MS:.0f}:"
        f" {'HOLDS' if holds_p95 else 'MISSED'}   baseline p95 {s_base['p95']:.1f} ms,"
        f" ratio {_ratio(s_real['p95'], s_base['p95'])}"
    )
    print(f"  in-process  {rps:.1f} creates/s, {queries:.0f} SQL statements per create")
    try:
        hrps, hq = inprocess_http(token, args.inprocess)
        print(
            f"  in-process  {hrps:.1f} POST /api/orders/s via django.test.Client (no socket),"
            f" {hq:.0f} SQL statements per request"
        )
        if args.profile or not (holds_rps and holds_p95):
            print()
            print(f"cProfile of {args.profile_n} in-process POST /api/orders (test client):")
            print(profile(token, args.profile_n))
    except Exception as exc:  # the figures above are already printed; report and go on
        print(f"  in-process request path failed: {type(exc).__name__}: {exc}")
    connections.close_all()
    return holds_rps and holds_p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--orders", type=int, default=2000, help="requests for the throughput run")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (throughput)")
    parser.add_argument("--rate", type=float, default=50.0, help="open-loop requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="open-loop duration")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap per closed loop")
    parser.add_argument("--inprocess", type=int, default=300, help="in-process creates")
    parser.add_argument("--profile", action="store_true", help="always print the cProfile")
    parser.add_argument("--profile-n", type=int, default=300)
    parser.add_argument("--serve-baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_baseline:
        serve_baseline(args.port, args.threads)
        return 0
    if args.orders < 1 or args.rate <= 0 or not 0 < args.seconds <= 600:
        parser.error("need --orders >= 1, --rate > 0 and 0 < --seconds <= 600")
    return run_on_fresh_db(args.db, "hotline-bench-api-", lambda db, tmp: run(args, db, tmp))


if __name__ == "__main__":
    sys.exit(main())
