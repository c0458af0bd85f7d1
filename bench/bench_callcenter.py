"""Call-center benchmark: queue_log lines → KPIs, and an Erlang C day plan against pyworkforce.

    .venv/bin/python bench/bench_callcenter.py [--lines 10000000] [--skip-log] [--skip-plan]

(a) A synthetic queue_log of about ``--lines`` lines (cached under var/bench/) is loaded and
    reported on in a fresh process: calls, agent spans, every KPI table at 30 minutes and the
    agent detectors. Target: 10 M lines in ≤ 30 s on 2 cores. Peak RSS is printed.
(b) A day plan, 48 half-hour intervals whose traffic rises to need about 2,000 agents, by
    ``hotline.domain.erlang.staff_day`` and by pyworkforce's ``ErlangC.required_positions`` on the
    same plan in the same run. Targets: ours ≤ 50 ms and ≥ 10× faster; both give the same agents.

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from common import ROOT, print_machine

LOG_TARGET_SECONDS = 30.0
PLAN_TARGET_MS = 50.0
PLAN_MIN_RATIO = 10.0
LINES_PER_DAY_PER_1000_CALLS = 3050  # what the simulator writes, measured
AGENTS = 600
CALLS_PER_DAY = 45_000


def _log_file(lines: int) -> Path:
    days = max(1, round(lines / (CALLS_PER_DAY * LINES_PER_DAY_PER_1000_CALLS / 1000)))
    path = ROOT / "var" / "bench" / f"queue_log_{days}d_{AGENTS}a_{CALLS_PER_DAY}c"
    if not path.exists():
        from hotline.domain.callcenter.simulate import simulate_queue_log

        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"writing {path.name} ({days} days) …", flush=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        with partial.open("w") as out:
            simulate_queue_log(
                out, start=date(2026, 1, 5), days=days, agents=AGENTS, calls_per_day=CALLS_PER_DAY
            )
        partial.rename(path)
        print(f"  written in {time.perf_counter() - started:.0f} s", flush=True)
    return path


_CHILD = """
import resource, sys, time, json
started = time.perf_counter()
from hotline.domain.callcenter.queue_log import load_queue_log
from hotline.domain.callcenter.kpi import kpi_report, KpiOptions
from hotline.domain.detectors import long_busy
log = load_queue_log(sys.argv[1])
loaded = time.perf_counter()
report = kpi_report(log, KpiOptions(interval_minutes=30))
findings = long_busy.detect(log)
done = time.perf_counter()
print(json.dumps({
    "lines": log.report.lines, "calls": log.call_count(), "offered": report["offered"],
    "intervals": len(report["intervals"]), "agents": len(report["agents"]),
    "findings": len(findings), "load_s": loaded - started, "kpi_s": done - loaded,
    "total_s": done - started,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def bench_log(lines: int) -> bool:
    import json

    path = _log_file(lines)
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print("\n(a) queue_log → KPIs (fresh process, import time included)")
    for key, value in figures.items():
        print(
            f"  {key:>12}: {value:,.2f}" if isinstance(value, float) else f"  {key:>12}: {value:,}"
        )
    rate = figures["lines"] / figures["total_s"]
    scaled = figures["total_s"] * 10_000_000 / figures["lines"]
    print(f"  {rate:,.0f} lines/s; 10 M lines ≈ {scaled:.1f} s (target ≤ {LOG_TARGET_SECONDS:.0f})")
    return scaled <= LOG_TARGET_SECONDS


def _day_calls() -> list[float]:
    """48 half hours shaped like a hotline day, peaking at about 2,000 agents' worth of calls."""
    peak_calls = 20_000  # 20,000 calls × 180 s in 30 min ≈ 2,000 Erlangs
    return [max(10.0, peak_calls * math.sin(math.pi * (i + 0.5) / 48) ** 2) for i in range(48)]


def bench_plan(repeats: int) -> bool:
    from pyworkforce.queuing import ErlangC

    from hotline.domain.erlang import staff_day

    calls = _day_calls()
    aht, target, goal = 180.0, 15.0, 0.8

    def ours() -> list[int]:
        plan = staff_day(calls, interval_minutes=30, aht_seconds=aht, target_seconds=target)
        return [row.agents for row in plan]

    def peer() -> list[int]:
        return [
            ErlangC(transactions=c, aht=aht / 60, asa=target / 60, interval=30).required_positions(
                service_level=goal
            )["raw_positions"]
            for c in calls
        ]

    ours_times, peer_times = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine noise
        started = time.perf_counter()
        mine = ours()
        ours_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        theirs = peer()
        peer_times.append(time.perf_counter() - started)
    best_ours, best_peer = min(ours_times) * 1000, min(peer_times) * 1000
    same = mine == theirs
    print("\n(b) Erlang C day plan: 48 intervals, up to", max(mine), "agents")
    for name, best, times in (
        ("ours", best_ours, ours_times),
        ("pyworkforce", best_peer, peer_times),
    ):
        median = sorted(times)[repeats // 2] * 1000
        print(f"  {name:<11} best {best:8.2f} ms  (median {median:.2f})")
    print(f"  ratio {best_peer / best_ours:.1f}×; same agents in every interval: {same}")
    return best_ours <= PLAN_TARGET_MS and best_peer / best_ours >= PLAN_MIN_RATIO and same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-log", action="store_true")
    parser.add_argument("--skip-plan", action="store_true")
    args = parser.parse_args()
    print_machine()
    ok = True
    if not args.skip_plan:
        ok &= bench_plan(args.repeats)
    if not args.skip_log:
        ok &= bench_log(args.lines)
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
