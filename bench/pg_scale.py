"""PostgreSQL at a province's size: order lists and details while a supervision run reads the log.

    .venv/bin/python bench/pg_scale.py [--millions 10] [--requests 300] [--workers 2] [--keep]
                                       [--reuse] [--skip-supervision]

Fills a database of its own (``hotline_scale``, override with ``BENCH_PG_SCALE_DB``) on
127.0.0.1:5432: ``hotline migrate``, then the simulated city log of bench/supervise.py
(``var/bench/city_<N>m.parquet``, made by it when missing) bulk-loaded with COPY into the real
tables. Every order is replayed with the domain (``replay``: the projected columns are what the
services would have written) and every event hash-chained with the domain's ``event_hash``, so
``hotline events verify`` holds on the result. What is synthetic: the ids (an order's id is its
number's digits), the units (``u1`` … with made-up names) and the two bench users; the log itself
is the simulator's (5 % planted misconduct).

Then, in this process through ``django.test.Client`` (routing, middleware, session or bearer
token, templates), ``--requests`` times each: the dispatcher's order list (first page, a
filtered page, a deep page), his queues (``/dispatch/``), a unit handler's list and inbox, order
detail pages, ``GET /api/orders`` (plain and filtered) and ``GET /api/orders/{number}``;
p50 / p95 / max, first alone, then while ``hotline supervise`` (a separate process: exports the
database's events and runs the engine) reads the events. Target (issue 17): every p95 < 100 ms.
Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from itertools import groupby
from multiprocessing import Pool
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG_ADMIN_URL, ROOT, print_machine, summary_ms

sys.path.insert(0, str(ROOT))  # tests.common.second_factor, for signing in

TARGET_MS = 100.0
SLOW_SECONDS = 2.0
DB_NAME = os.environ.get("BENCH_PG_SCALE_DB", "hotline_scale")
TABLES = ("workorders_workorder", "workorders_workorderevent")
BATCH = 20_000


def _url(db: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{db}"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HOTLINE_DB", None)
    env.update(
        DATABASE_URL=_url(DB_NAME),
        HOTLINE_VAR=str(tmp / "var"),
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_FAST_PASSWORDS="1",
    )
    (tmp / "var").mkdir(parents=True, exist_ok=True)
    return env


def _hotline(env: dict[str, str], *args: str, timeout: float = 3600) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"hotline {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


# -- loading -----------------------------------------------------------------------------------


def _secondary_schema(conn: Any) -> tuple[list[str], list[str]]:
    """(DROP statements, CREATE statements) for the two tables' unique/foreign-key constraints and
    plain indexes: loading into bare tables and indexing once is several times faster."""
    drops: list[str] = []
    creates: list[str] = []
    tables = list(TABLES)
    for table, name, definition in conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')",
        [tables],
    ):
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    ):
        drops.append(f"DROP INDEX {name}")
        creates.append(definition)
    # Plain indexes first (they run while the constraints are still to come), FKs last.
    creates.sort(key=lambda sql: (" FOREIGN KEY " in sql, " ADD CONSTRAINT " in sql))
    return drops, creates


def _orders_in(parquet: Path, part: int, parts: int) -> Iterator[list[tuple]]:
    """This part's orders (id modulo ``parts``): each a list of its events in seq order."""
    import duckdb

    con = duckdb.connect(config={"threads": 1, "memory_limit": "3GB"})
    cursor = con.execute(
        'SELECT "order", seq, "at", action, actor, unit, to_unit, data FROM read_parquet(?) '
        'WHERE CAST(substr("order", 2) AS BIGINT) % ? = ? ORDER BY "order", seq',
        [str(parquet), parts, part],
    )
    carry: list[tuple] = []
    while rows := cursor.fetchmany(BATCH):
        groups = [list(g) for _, g in groupby(rows, key=lambda r: r[0])]
        if carry and groups[0][0][0] == carry[0][0]:
            groups[0] = carry + groups[0]
        elif carry:
            yield carry
        carry = groups.pop()
        yield from groups
    if carry:
        yield carry


def _load_part(args: tuple[str, str, int, int, list[str]]) -> tuple[int, int]:
    """Replay, hash and COPY one part's orders and events; (orders, events)."""
    import psycopg

    from hotline.domain.chain import GENESIS_HASH
    from hotline.domain.events import EventRecord, event_hash, replay
    from hotline.domain.lifecycle import Action

    url, parquet, part, parts, order_columns = args
    orders = events = 0
    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        order_rows: list[tuple] = []
        with conn.cursor().copy(
            "COPY workorders_workorderevent (order_id, seq, at, action, actor, unit, to_unit, "
            "data, prev_hash, hash) FROM STDIN"
        ) as copy:
            for group in _orders_in(Path(parquet), part, parts):
                number = group[0][0]
                order_id = int(number[1:])
                records = [
                    EventRecord(
                        order=number,
                        seq=seq,
                        at=datetime.fromisoformat(at),
                        action=Action(action),
                        actor=actor,
                        unit=unit,
                        to_unit=to_unit,
                        data=json.loads(data),
                    )
                    for _, seq, at, action, actor, unit, to_unit, data in group
                ]
                snap = replay(records)
                assert snap is not None
                prev = GENESIS_HASH
                for record, row in zip(records, group, strict=True):
                    digest = event_hash(record, prev)
                    copy.write_row(
                        (order_id, record.seq, record.at, row[3], record.actor, record.unit,
                         record.to_unit, row[7], prev, digest)
                    )  # fmt: skip
                    prev = digest
                values = {**snap.__dict__, "id": order_id, "last_hash": prev}
                values["state"] = str(snap.state)
                values["assist_units"] = json.dumps(list(snap.assist_units))
                order_rows.append(tuple(values[c] for c in order_columns))
                orders += 1
                events += len(records)
        cols = ", ".join(order_columns)
        with conn.cursor().copy(f"COPY workorders_workorder ({cols}) FROM STDIN") as copy:
            for row in order_rows:
                copy.write_row(row)
        conn.commit()
    return orders, events


def load(parquet: Path, workers: int) -> dict[str, Any]:
    import psycopg

    from hotline.domain.events import OrderSnapshot

    url = _url(DB_NAME)
    columns = ["id", *OrderSnapshot.__dataclass_fields__, "last_hash"]
    with psycopg.connect(url, autocommit=True) as conn:
        table_columns = {
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [TABLES[0]],
            )
        }
        if missing := table_columns - set(columns):
            raise SystemExit(f"the order table has columns the snapshot lacks: {sorted(missing)}")
        drops, creates = _secondary_schema(conn)
        for sql in drops:
            conn.execute(sql)
    started = time.perf_counter()
    with Pool(workers) as pool:
        done = pool.map(
            _load_part, [(url, str(parquet), k, workers, columns) for k in range(workers)]
        )
    copied = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for sql in creates:
            conn.execute(sql)
        for table in TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        indexed = time.perf_counter() - started - copied
        conn.execute("VACUUM (ANALYZE) workorders_workorder")
        conn.execute("VACUUM (ANALYZE) workorders_workorderevent")
    total = time.perf_counter() - started
    return {
        "orders": sum(o for o, _ in done),
        "events": sum(e for _, e in done),
        "copy_s": copied,
        "index_s": indexed,
        "total_s": total,
    }


def sizes() -> list[tuple[str, str, str]]:
    import psycopg

    with psycopg.connect(_url(DB_NAME)) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relkind, pg_size_pretty(pg_total_relation_size(c.oid)) "
            "FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname = ANY(%s) OR i.indrelid::regclass::text = ANY(%s) "
            "ORDER BY c.relkind DESC, pg_total_relation_size(c.oid) DESC",
            [list(TABLES), list(TABLES)],
        ).fetchall()
    return [(name, "table" if kind == "r" else "index", size) for name, kind, size in rows]


# -- measuring ---------------------------------------------------------------------------------


def seed() -> dict[str, Any]:
    """Units for the codes the log uses, a dispatcher, a handler of the busiest unit, a token."""
    from django.db.models import Count

    from hotline.accounts.models import ApiToken, Unit, User
    from hotline.workorders.models import WorkOrder

    center, _ = Unit.objects.get_or_create(code="center", defaults={"name": "12345热线中心"})
    codes = set(WorkOrder.objects.values_list("first_unit", flat=True).distinct()) - {"", "center"}
    for code in sorted(codes):
        Unit.objects.get_or_create(code=code, defaults={"name": f"承办单位{code}"})
    busiest = (
        WorkOrder.objects.exclude(current_unit="")
        .values("current_unit")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    unit = Unit.objects.get(code=busiest["current_unit"])
    dispatcher, _ = User.objects.get_or_create(
        username="scale_dispatcher", defaults={"role": "dispatcher", "unit": center}
    )
    handler, _ = User.objects.get_or_create(
        username="scale_handler", defaults={"role": "handler", "unit": unit}
    )
    _, token = ApiToken.issue(user=dispatcher, name="scale")
    numbers = list(
        WorkOrder.objects.filter(
            id__in=random.Random(17).sample(range(1, 1_200_000), 2000)
        ).values_list("number", flat=True)
    )
    category = WorkOrder.objects.exclude(category="").values_list("category", flat=True)[0]
    return {
        "dispatcher": dispatcher,
        "handler": handler,
        "token": token,
        "numbers": numbers,
        "unit": unit.code,
        "category": category,
    }


def _client(user: Any) -> Any:
    from django.test import Client

    from tests.common.second_factor import force_login_verified

    client = Client()
    force_login_verified(client, user)
    return client


def requests(seeded: dict[str, Any]) -> dict[str, Any]:
    """name → a function making one request (a fresh random order for the details)."""
    dispatcher = _client(seeded["dispatcher"])
    handler = _client(seeded["handler"])
    api = __import__("django.test", fromlist=["Client"]).Client(
        HTTP_AUTHORIZATION=f"Bearer {seeded['token']}"
    )
    pick = random.Random(1).choice
    numbers = seeded["numbers"]
    unit, category = seeded["unit"], seeded["category"]

    def get(client: Any, url: Any) -> Any:
        def run() -> str:
            path = url() if callable(url) else url
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} for {path}")
            return path

        return run

    return {
        "list: dispatcher, first page": get(dispatcher, "/orders/"),
        "list: filtered (state + unit)": get(dispatcher, f"/orders/?state=handling&unit={unit}"),
        "list: filtered (category)": get(dispatcher, f"/orders/?category={category}"),
        "list: page 200": get(dispatcher, "/orders/?page=200"),
        "list: unit handler": get(handler, "/orders/"),
        "dispatch queues (dispatcher)": get(dispatcher, "/dispatch/"),
        "inbox (unit handler)": get(handler, "/inbox/"),
        "detail page": get(dispatcher, lambda: f"/orders/{pick(numbers)}/"),
        "API list": get(api, "/api/orders?page_size=50"),
        "API list filtered": get(api, f"/api/orders?state=closed&category={category}"),
        "API detail": get(api, lambda: f"/api/orders/{pick(numbers)}"),
    }


def measure(
    calls: dict[str, Any], count: int, until: subprocess.Popen[bytes] | None = None
) -> dict[str, list[float]]:
    """Round-robin over the requests, ``count`` rounds (or while ``until`` still runs)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(count):
        for name, call in calls.items():
            if until is not None and until.poll() is not None:
                return times
            started = time.perf_counter()
            path = call()
            took = time.perf_counter() - started
            times[name].append(took)
            if took > SLOW_SECONDS:  # an outlier: which page, to look at it
                print(f"  slow: {path} {took:.1f} s")
    return times


def report(title: str, times: dict[str, list[float]]) -> bool:
    print(f"\n{title}")
    print(f"  {'request':<34} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}  (ms)")
    ok = True
    for name, values in times.items():
        s = summary_ms(values)
        hit = s["p95"] < TARGET_MS
        ok &= hit
        print(
            f"  {name:<34} {len(values):>5} {s['p50']:>8.1f} {s['p95']:>8.1f} {s['max']:>8.1f}"
            f"  {'' if hit else 'MISSED'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--millions", type=int, default=10, help="size of the log (events, M)")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--workers", type=int, default=2, help="loading processes")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    parser.add_argument("--skip-supervision", action="store_true")
    args = parser.parse_args()
    if DB_NAME in {"hotline", "postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to use {DB_NAME!r} as the throw-away database")
    print_machine()
    with (
        tempfile.TemporaryDirectory(prefix="bench-pg-scale-") as name,
        contextlib.ExitStack() as stack,
    ):
        tmp = Path(name)
        env = _env(tmp)
        try:
            if not args.reuse:
                from supervise import log_file

                parquet = log_file(args.millions)
                _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
                _admin(f'CREATE DATABASE "{DB_NAME}"')
                _hotline(env, "migrate")
                print(f"\nloading {parquet.name} into {DB_NAME} ({args.workers} processes) …")
                loaded = load(parquet, args.workers)
                print(
                    f"  {loaded['orders']:,} orders, {loaded['events']:,} events: replay + hash + "
                    f"COPY {loaded['copy_s']:.0f} s, indexes and constraints "
                    f"{loaded['index_s']:.0f} s, with VACUUM ANALYZE {loaded['total_s']:.0f} s"
                )
            else:
                _hotline(env, "migrate")  # the indexes of this checkout, on a kept database
            print("\nsizes (with TOAST and indexes):")
            for relation, kind, size in sizes():
                print(f"  {kind:<5} {relation:<60} {size:>10}")
            for key, value in env.items():
                os.environ[key] = value
            import django

            django.setup()
            from django.conf import settings
            from django.db.models import Max

            from hotline import clock
            from hotline.web.warmup import warm_indexes
            from hotline.workorders.models import WorkOrder

            # The simulated log runs past today: "now" is its last event, as in a live city (the
            # detail pages' live hotspots look at the hours before now, not at months ahead).
            log_end = WorkOrder.objects.aggregate(end=Max("updated_at"))["end"]
            stack.enter_context(clock.frozen_at(log_end))
            print(f"\nnow (the clock, frozen): {log_end:%Y-%m-%d %H:%M} UTC, the log's last event")

            # `hotline serve` builds its dispatch indexes (classifier, duplicates, knowledge: the
            # 待派单 details use them) at start and rebuilds them in its refresh loop; this process
            # has no loop: build them once here, and keep them for the run.
            settings.HOTLINE_DISPATCH["duplicate_rebuild_seconds"] = 86_400
            started = time.perf_counter()
            warm_indexes()
            print(
                f"\ndispatch indexes: {time.perf_counter() - started:.1f} s (serve: at its start)"
            )
            seeded = seed()
            calls = requests(seeded)
            measure(calls, 3)  # warm: templates, caches, the buffer pool's hot pages
            ok = report(
                f"alone, {args.requests} of each (unit {seeded['unit']})",
                measure(calls, args.requests),
            )
            if not args.skip_supervision:
                out = tmp / "report.json"
                started = time.perf_counter()
                run = subprocess.Popen(
                    [sys.executable, "-m", "hotline.cli", "supervise", "--json", str(out)],
                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                )  # fmt: skip
                time.sleep(2)  # past its start-up, into the export
                times = measure(calls, args.requests, until=run)
                took = time.perf_counter() - started
                if still := run.poll() is None:
                    run.terminate()  # every request was made while it read: enough
                _, err = run.communicate()
                state = "still reading when stopped" if still else f"exit {run.returncode}"
                ok &= report(
                    f"while `hotline supervise` reads the events ({took:.0f} s, {state})", times
                )
                if not still and run.returncode != 0:
                    print(f"  the supervision run failed: {err.decode()[-500:]}")
            print(f"\ntarget: every p95 < {TARGET_MS:.0f} ms: {'holds' if ok else 'MISSED'}")
            return 0 if ok else 1
        finally:
            from django.db import connections

            connections.close_all()
            if not args.keep:
                _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
