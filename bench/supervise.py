"""Supervision benchmark: every detector and the handover metrics on a city's event log.

    .venv/bin/python bench/supervise.py [--sizes 1,10] [--peer-size 1] [--peer-timeout 900]

For each size (millions of events) a simulated city log (5 % planted misconduct) is written
once under var/bench/ as Parquet, then a fresh process loads it and runs ``supervise`` (every
detector, handover metrics, the unit pairs). Target: 10 M events in ≤ 60 s, peak RSS ≤ 4 GB.
Sizes past 10 M repeat the 10 M log with new order ids (DuckDB, no Python loop).

Peer, in the same run and on the same log: PM4Py's ``discover_handover_of_work_network`` (the
handover-of-work social network, which is what our handover metrics compute alongside the
detectors), from the log already in a pandas DataFrame (reading it is not counted for PM4Py,
it is counted for us). Target: ours ≥ 20× faster. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, print_machine

BENCH = ROOT / "var" / "bench"
TARGET_SECONDS_10M = 60.0
TARGET_RSS_GB = 4.0
TARGET_RATIO = 20.0
ORDERS_PER_DAY = 2000  # about 16,000 events a day


def log_file(millions: int) -> Path:
    path = BENCH / f"city_{millions}m.parquet"
    if path.exists():
        return path
    BENCH.mkdir(parents=True, exist_ok=True)
    if millions > 10:
        base = log_file(10)
        copies = millions // 10
        import duckdb

        started = time.perf_counter()
        # Each copy its own citizens, places and wording: a copy must not look like a repeat
        # request or a boilerplate reply of another.
        marks = "甲乙丙丁戊己庚辛壬癸"
        parts = " UNION ALL ".join(_copy_sql(base, n, marks[n % 10]) for n in range(copies))
        con = duckdb.connect()
        con.execute("SET temp_directory = ?", [str(BENCH / "duckdb-spill")])
        con.execute(f"COPY ({parts}) TO '{path}' (FORMAT parquet)")
        took = time.perf_counter() - started
        print(f"  {path.name}: {copies} copies of the 10 M log in {took:.0f} s")
        return path
    from hotline.domain.supervision.simulate import simulate_city

    started = time.perf_counter()
    jsonl = path.with_suffix(".jsonl")
    days = max(1, round(millions * 1_000_000 / (ORDERS_PER_DAY * 7.9)))
    with jsonl.open("w") as out:
        city = simulate_city(
            out, days=days, orders_per_day=ORDERS_PER_DAY, misconduct_rate=0.05, surge_every_days=1
        )
    import duckdb

    duckdb.connect().execute(
        f'COPY (SELECT "order", seq, "at", action, actor, unit, to_unit, CAST(data AS VARCHAR) '
        f"AS data FROM read_json('{jsonl}', columns = {{'order': 'VARCHAR', 'seq': 'BIGINT', "
        f"'at': 'VARCHAR', 'action': 'VARCHAR', 'actor': 'VARCHAR', 'unit': 'VARCHAR', "
        f"'to_unit': 'VARCHAR', 'data': 'JSON'}}, format = 'newline_delimited')) "
        f"TO '{path}' (FORMAT parquet)"
    )
    jsonl.unlink()
    print(
        f"  {path.name}: {city.events:,} events of {city.orders:,} orders written in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return path


def _copy_sql(base: Path, n: int, mark: str) -> str:
    data = "data"
    for key, prefix in (("text", f"{mark}{n}"), ("location", f"{mark}{n}")):
        data = f'replace({data}, \'"{key}":"\', \'"{key}":"{prefix}\')'
    data = f'replace({data}, \'"phone":"1\', \'"phone":"{n}\')'
    return (
        f'SELECT \'R{n}-\' || "order" AS "order", seq, "at", action, actor, unit, '
        f"to_unit, {data} AS data FROM read_parquet('{base}')"
    )


OURS = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from hotline.domain.supervision.eventlog import load_interchange
from hotline.domain.supervision.engine import supervise
log = load_interchange(Path(sys.argv[1]))
loaded = time.perf_counter()
timings = {}
report = supervise(log, timings=timings)
done = time.perf_counter()
print(json.dumps({
    "events": report["summary"]["events"], "orders": report["summary"]["cases"],
    "findings": report["summary"]["findings"], "hotspots": len(report["hotspots"]),
    "load_s": loaded - started,
    "detect_s": done - loaded, "total_s": done - started,
    "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024,
    "timings": {k: round(v, 2) for k, v in timings.items()},
}))
"""

PEER = """
import json, resource, sys, time
import duckdb
frame = duckdb.connect().execute(
    "SELECT \\"order\\" AS \\"case:concept:name\\", action AS \\"concept:name\\", "
    "CASE WHEN action = 'dispatch' THEN to_unit ELSE unit END AS \\"org:resource\\", "
    "CAST(\\"at\\" AS TIMESTAMPTZ) AS \\"time:timestamp\\" FROM read_parquet(?) "
    "ORDER BY 1, seq", [sys.argv[1]]).df()
import pm4py
started = time.perf_counter()
network = pm4py.discover_handover_of_work_network(frame)
done = time.perf_counter()
print(json.dumps({"events": len(frame), "total_s": done - started,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def _child(code: str, path: Path, timeout: float) -> dict | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as error:
        print(error.stderr[-2000:])
        raise
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="millions of events, comma separated")
    parser.add_argument("--peer-size", type=int, default=1, help="millions of events for PM4Py")
    parser.add_argument("--peer-timeout", type=float, default=900)
    args = parser.parse_args()
    print_machine()
    ok = True
    sizes = [int(size) for size in args.sizes.split(",")]
    print("\nours: load + every detector + handover metrics (fresh process)")
    results = {}
    for millions in sizes:
        figures = _child(OURS, log_file(millions), timeout=3600)
        assert figures is not None
        results[millions] = figures
        print(
            f"  {figures['events']:>12,} events  {figures['orders']:>10,} orders  load "
            f"{figures['load_s']:6.1f} s  detect {figures['detect_s']:6.1f} s  total "
            f"{figures['total_s']:6.1f} s  peak {figures['peak_rss_gb']:.2f} GB  "
            f"findings {figures['findings']:,}  hotspots {figures['hotspots']:,}"
        )
        print(f"    per step: {figures['timings']}")
        if millions == 10:
            ok &= figures["total_s"] <= TARGET_SECONDS_10M
            ok &= figures["peak_rss_gb"] <= TARGET_RSS_GB
    if args.peer_size:
        path = log_file(args.peer_size)
        peer = _child(PEER, path, timeout=args.peer_timeout)
        mine = results.get(args.peer_size) or _child(OURS, path, timeout=3600)
        assert mine is not None
        if peer is None:
            print(f"\nPM4Py on {args.peer_size} M events: not done in {args.peer_timeout:.0f} s")
        else:
            network = mine["timings"]["handover"] + mine["timings"]["pairs"]
            ratio = peer["total_s"] / network
            print(
                f"\nPM4Py discover_handover_of_work_network on the same {peer['events']:,} "
                f"events: {peer['total_s']:.1f} s (peak {peer['peak_rss_gb']:.2f} GB)\n"
                f"ours, handover metrics + unit-pair network: {network:.2f} s → {ratio:.1f}× "
                f"(target ≥ {TARGET_RATIO:.0f}×); ours, everything incl. loading and every "
                f"detector: {mine['total_s']:.1f} s → {peer['total_s'] / mine['total_s']:.1f}×"
            )
            ok &= ratio >= TARGET_RATIO
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
