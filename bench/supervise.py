"""Supervision benchmark: every detector and the handover metrics on a city's event log.

    .venv/bin/python bench/supervise.py [--sizes 1,10] [--peer-size 1] [--peer-timeout 900]
                                        [--engines duckdb,spark]

For each size (millions of events) a simulated city log (5 % planted misconduct) is written
once under var/bench/ as Parquet, then a fresh process loads it and runs ``supervise`` (every
detector, handover metrics, the unit pairs). Target: 10 M events in ≤ 60 s, peak RSS ≤ 4 GB.
Sizes past 10 M are a province: a directory (``var/bench/city_100m/``) with one Parquet file per
city, each the 10 M log over the same months with its own order ids, callers and buildings
(DuckDB, no Python loop; see ``_copy_sql``).

Peer, in the same run and on the same log: PM4Py's ``discover_handover_of_work_network`` (the
handover-of-work social network, which is what our handover metrics compute alongside the
detectors), from the log already in a pandas DataFrame (reading it is not counted for PM4Py,
it is counted for us). Target: ours ≥ 20× faster. Exits 1 when a target is missed.

``--engines duckdb,spark`` runs each size on both engines (Spark in local mode on every core):
time, and peak memory of the whole process tree (Spark's JVM included, sampled from /proc every
0.5 s), and how each grows from one size to the next. The targets are DuckDB's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, print_machine

BENCH = ROOT / "var" / "bench"
TARGET_SECONDS_10M = 60.0
TARGET_RSS_GB = 4.0
TARGET_RATIO = 20.0
ORDERS_PER_DAY = 2000  # about 16,000 events a day


def log_file(millions: int) -> Path:
    if millions > 10:
        return _province(millions)
    path = BENCH / f"city_{millions}m.parquet"
    if path.exists():
        return path
    BENCH.mkdir(parents=True, exist_ok=True)
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


def _province(millions: int) -> Path:
    """Past 10 M: a province's export, a directory with one Parquet file per city, each city a
    copy of the 10 M log (``_copy_sql``), written one at a time (all ten in one statement held
    24 GB and the kernel killed it)."""
    folder = BENCH / f"city_{millions}m"
    copies = millions // 10
    done = folder / "complete"
    if done.exists():
        return folder
    base = log_file(10)
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET temp_directory = ?", [str(BENCH / "duckdb-spill")])
    con.execute("SET memory_limit = '4GB'")
    marks = "甲乙丙丁戊己庚辛壬癸"
    for n in range(copies):
        target = folder / f"city-{n}.parquet"
        con.execute(f"COPY ({_copy_sql(base, n, marks[n % 10])}) TO '{target}' (FORMAT parquet)")
    done.touch()
    took = time.perf_counter() - started
    print(f"  {folder.name}/: {copies} cities, copies of the 10 M log, in {took:.0f} s")
    return folder


# A building as the simulator writes it: a number (digits or Chinese numerals) and its word.
_BUILDING = "([0-9一二三四五六七八九十]+(?:号楼|号栋|号幢|栋楼|栋|幢|座|号院|#楼|#))"
_CITY_LETTERS = "ABCDEFGHJK"


def _copy_sql(base: Path, n: int, mark: str) -> str:
    """Copy ``n`` of the 10 M log as another city of the province, over the same months: its
    own order ids, callers and wording, and its own buildings (a letter before each building's
    number, "丽湾35栋" → "丽湾C35栋"). Without the letter every copy's 热点 surges fell on the
    same buildings at the same hours, ten cities' complaints in one compound: 12.7 M of 12.7 M
    orders were crowded candidates (47,000 of 1.27 M in one city) and the grouping ran out of
    memory. A province's cities share estate names, but not every building at once."""
    data = f"regexp_replace(data, '{_BUILDING}', '{_CITY_LETTERS[n % 10]}\\1', 'g')"
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
log = load_interchange(Path(sys.argv[1]), engine=sys.argv[2])
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


def _child(code: str, path: Path, timeout: float, *args: str) -> dict | None:
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    peak = [0]
    sampler = threading.Thread(target=_sample_tree, args=(process, peak), daemon=True)
    sampler.start()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    if process.returncode:
        print(err[-2000:])
        raise RuntimeError(f"benchmark child failed ({process.returncode})")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["tree_peak_gb"] = peak[0] / 1024**3
    return figures


def _sample_tree(process: subprocess.Popen, peak: list[int]) -> None:
    """Peak resident memory of the child and everything it started (Spark's JVM)."""
    while process.poll() is None:
        peak[0] = max(peak[0], sum(_rss(pid) for pid in _tree(process.pid)))
        time.sleep(0.5)


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _rss(pid: int) -> int:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="millions of events, comma separated")
    parser.add_argument("--peer-size", type=int, default=1, help="millions of events for PM4Py")
    parser.add_argument("--peer-timeout", type=float, default=900)
    parser.add_argument("--engines", default="duckdb", help="duckdb, spark or both (comma)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per engine run")
    args = parser.parse_args()
    print_machine()
    ok = True
    sizes = [int(size) for size in args.sizes.split(",")]
    engines = args.engines.split(",")
    print("\nours: load + every detector + handover metrics (fresh process)")
    results: dict[int, dict] = {}
    grown: dict[str, list[tuple[int, dict]]] = {}
    for millions in sizes:
        for engine in engines:
            figures = _child(OURS, log_file(millions), args.timeout, engine)
            if figures is None:
                print(f"  {engine:>6}  {millions} M events: not done in {args.timeout:.0f} s")
                continue
            grown.setdefault(engine, []).append((millions, figures))
            print(
                f"  {engine:>6} {figures['events']:>12,} events  {figures['orders']:>10,} orders"
                f"  load {figures['load_s']:6.1f} s  detect {figures['detect_s']:6.1f} s  total "
                f"{figures['total_s']:6.1f} s  peak {figures['tree_peak_gb']:.2f} GB  "
                f"findings {figures['findings']:,}  hotspots {figures['hotspots']:,}"
            )
            print(f"    per step: {figures['timings']}")
            if engine != "duckdb":
                continue
            results[millions] = figures
            if millions == 10:
                ok &= figures["total_s"] <= TARGET_SECONDS_10M
                ok &= figures["tree_peak_gb"] <= TARGET_RSS_GB
    _print_growth(grown)
    if args.peer_size:
        path = log_file(args.peer_size)
        peer = _child(PEER, path, args.peer_timeout)
        mine = results.get(args.peer_size) or _child(OURS, path, 3600, "duckdb")
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


def _print_growth(grown: dict[str, list[tuple[int, dict]]]) -> None:
    """Each engine's time and memory from one size to the next, and Spark against DuckDB."""
    for engine, runs in grown.items():
        for (small, a), (large, b) in itertools.pairwise(runs):
            print(
                f"  {engine}: {small} M → {large} M events (×{large / small:.0f}): time "
                f"×{b['total_s'] / a['total_s']:.1f}, peak memory "
                f"×{b['tree_peak_gb'] / a['tree_peak_gb']:.1f}"
            )
    duck = dict(grown.get("duckdb", []))
    for millions, figures in grown.get("spark", []):
        if millions in duck:
            print(
                f"  {millions} M events: Spark {figures['total_s']:.1f} s / DuckDB "
                f"{duck[millions]['total_s']:.1f} s = "
                f"×{figures['total_s'] / duck[millions]['total_s']:.2f}"
            )


if __name__ == "__main__":
    sys.exit(main())
