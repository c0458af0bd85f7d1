"""Benchmark: import ~1 M events with ``hotline events import``, then ``hotline events verify``.

    .venv/bin/python bench/bench_verify.py [--events 1000000] [--db sqlite|postgres]

Steps: a new database (SQLite file in a temp dir, or a throw-away PostgreSQL database
``hotline_bench``); a JSON Lines file of events/8 orders x 8 events, each order walking a legal
path (create, dispatch to a unit, accept, contact, reply, request_close, approve_close,
follow_up); ``hotline migrate``; then the two commands are timed as a user runs them (a fresh
process each, so the figures include Python/Django start-up and the migration check, which are
measured separately with a no-op ``hotline migrate`` and subtracted for the "net" figures).

Target (issue): ``hotline events verify`` <= 30 s for 1 M events.

Baseline peers, in this process and in the same run (the machine is shared and noisy):
- ``sha256``: raw ``hashlib.sha256`` over the very canonical JSON bytes each event is hashed
  over (computed while generating the file; no database, no JSON encoding) - the floor;
- ``event_hash``: the domain's ``event_hash`` over in-memory records (canonical JSON + SHA-256);
- ``fetch``: the verify query alone (``_chain_rows``), rows fetched and discarded, no hashing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, BenchDb, django_setup, hotline, run_on_fresh_db

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hotline.domain.events import (
    GENESIS_HASH,
    EventRecord,
    event_hash,
    hashed_bytes,
)
from hotline.domain.lifecycle import Action

TARGET_VERIFY_S = 30.0
PER_ORDER = 8
CST = timezone(timedelta(hours=8))
START = datetime(2025, 3, 3, 9, 0, tzinfo=CST)

# (action, minutes after creation, actor, unit, to_unit, data)
PATH: list[tuple[Action, int, str, str, str, dict[str, Any]]] = [
    (Action.DISPATCH, 5, "dispatcher01", "center", "zhujian", {"note": "请核实处理"}),
    (Action.ACCEPT, 30, "handler_zj", "zhujian", "", {}),
    (Action.CONTACT, 60, "handler_zj", "zhujian", "", {"note": "已电话联系", "method": "phone"}),
    (Action.REPLY, 120, "handler_zj", "zhujian", "", {"text": "已约谈餐馆负责人，22点后停业"}),
    (
        Action.REQUEST_CLOSE,
        180,
        "handler_zj",
        "zhujian",
        "",
        {"result": "已解决", "evidence": ["photo-1.jpg"]},
    ),
    (Action.APPROVE_CLOSE, 240, "dispatcher01", "center", "", {}),
    (
        Action.FOLLOW_UP,
        1440,
        "dispatcher01",
        "center",
        "",
        {"reached": True, "resolved": True, "satisfied": True},
    ),
]


def _records(i: int) -> list[EventRecord]:
    number = f"B{i:09d}"
    created = START + timedelta(seconds=7 * i, microseconds=i % 1_000_000)
    create = {
        "channel": "phone",
        "kind": "complaint",
        "category": "noise",
        "text": f"楼下餐馆夜间噪音扰民，已持续一周 (#{i})",
        "location": "和平里小区3号楼",
        "urgency": "normal",
        "caller": {
            "name": "张三丰",
            "phone": f"1380000{i % 10000:04d}",
            "address": "和平里3-2-501",
        },
    }
    out = [EventRecord(number, 1, created, Action.CREATE, "agent01", "center", "", create)]
    for seq, (action, minutes, actor, unit, to_unit, data) in enumerate(PATH, start=2):
        at = created + timedelta(minutes=minutes)
        if action is Action.DISPATCH:
            data = {
                **data,
                "accept_deadline": (at + timedelta(hours=2)).isoformat(),
                "deadline": (at + timedelta(days=7)).isoformat(),
            }
        out.append(EventRecord(number, seq, at, action, actor, unit, to_unit, data))
    return out


def generate(path: Path, orders: int) -> tuple[list[EventRecord], list[bytes]]:
    """Write the JSONL file; return the records and the canonical bytes of each (chained)."""
    records: list[EventRecord] = []
    bodies: list[bytes] = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(orders):
            prev = GENESIS_HASH
            for r in _records(i):
                line = {
                    "order": r.order,
                    "seq": r.seq,
                    "at": r.at.isoformat(),
                    "action": str(r.action),
                    "actor": r.actor,
                    "unit": r.unit,
                    "to_unit": r.to_unit,
                    "data": r.data,
                }
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                body = hashed_bytes(r, prev)
                if i < 3:
                    assert hashlib.sha256(body).hexdigest() == event_hash(r, prev)
                prev = hashlib.sha256(body).hexdigest()
                records.append(r)
                bodies.append(body)
    return records, bodies


def _best(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def baseline_sha256(bodies: list[bytes]) -> float:
    sha = hashlib.sha256

    def run() -> None:
        for body in bodies:
            sha(body).hexdigest()

    return _best(run)


def baseline_event_hash(records: list[EventRecord]) -> float:
    def run() -> None:
        prev = GENESIS_HASH
        for r in records:
            prev = event_hash(r, prev)

    return _best(run, repeat=1)


def baseline_fetch() -> tuple[float, int]:
    from hotline.eventstore.verify import _rows
    from hotline.workorders.stream import ORDER_STREAM

    start = time.perf_counter()
    count = sum(1 for _ in _rows(ORDER_STREAM))
    return time.perf_counter() - start, count


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>10,.0f} ev/s" if seconds > 0 else "n/a"


def run(args: argparse.Namespace, db: BenchDb, tmp: Path) -> bool:
    orders = max(1, args.events // PER_ORDER)
    events = orders * PER_ORDER
    file = tmp / "events.jsonl"
    start = time.perf_counter()
    records, bodies = generate(file, orders)
    gen = time.perf_counter() - start
    size = file.stat().st_size / 1024 / 1024
    print(
        f"generated {events:,} events of {orders:,} orders: {file.name} {size:.0f} MiB, {gen:.1f}s"
    )

    t_migrate, _ = hotline(db, "migrate")
    t_overhead, _ = hotline(db, "migrate")  # no-op: interpreter, Django and migration check
    print(
        f"hotline migrate: {t_migrate:.1f} s; no-op command (start-up overhead) {t_overhead:.2f}s"
    )

    t_import, res = hotline(db, "events", "import", str(file), timeout=args.timeout)
    print(f"hotline events import: {t_import:.1f} s  [{res.stdout.strip()}]")
    # The import is by far the largest child so far, so the children's peak is its peak.
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"hotline events import: peak RSS {peak_mib:,.0f} MiB")
    t_verify, res = hotline(db, "events", "verify", timeout=args.timeout, check=False)
    verify_ok = res.returncode == 0
    print(f"hotline events verify: {t_verify:.1f} s  [{(res.stdout + res.stderr).strip()}]")

    django_setup(db)
    t_fetch, fetched = baseline_fetch()
    assert fetched == events, f"fetched {fetched} rows, expected {events}"
    t_sha = baseline_sha256(bodies)
    t_eh = baseline_event_hash(records)
    from django.db import connections

    connections.close_all()

    net_import = max(1e-9, t_import - t_overhead)
    net_verify = max(1e-9, t_verify - t_overhead)
    holds = verify_ok and t_verify <= TARGET_VERIFY_S * events / 1_000_000
    print()
    print(f"RESULT db={args.db} events={events:,}")
    print(f"  import   {t_import:7.1f} s {_rate(events, t_import)}   net {net_import:.1f} s")
    print(
        f"  verify   {t_verify:7.1f} s {_rate(events, t_verify)}   net {net_verify:.1f} s"
        f"   target <= {TARGET_VERIFY_S:.0f} s per 1 M: {'HOLDS' if holds else 'MISSED'}"
        f"{'' if verify_ok else ' (verify reported a broken chain!)'}"
    )
    print(f"  baseline sha256 over canonical bytes  {t_sha:6.2f} s {_rate(events, t_sha)}")
    print(f"  baseline event_hash in memory         {t_eh:6.2f} s {_rate(events, t_eh)}")
    print(f"  baseline fetch rows only (in-process) {t_fetch:6.2f} s {_rate(events, t_fetch)}")
    print(
        f"  ratios   verify/sha256 {t_verify / t_sha:.1f}x   net verify/sha256"
        f" {net_verify / t_sha:.1f}x   net verify/(fetch+event_hash)"
        f" {net_verify / (t_fetch + t_eh):.2f}x"
    )
    return holds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=1200, help="cap per command, seconds")
    args = parser.parse_args(argv)
    if not 8 <= args.events <= 20_000_000:
        parser.error("--events must be between 8 and 20,000,000")
    return run_on_fresh_db(args.db, "hotline-bench-verify-", lambda db, tmp: run(args, db, tmp))


if __name__ == "__main__":
    sys.exit(main())
