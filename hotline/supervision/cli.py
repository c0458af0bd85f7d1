"""``hotline supervise``: every detector on the database, an export, or any external event log."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail, write_json
from hotline.domain.supervision.eventlog import ENGINES, EventLogError, event_source


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "supervise", parents=[common], help="天眼: run every detector and the handover metrics"
    )
    p.add_argument("--events", type=event_source, metavar="FILE|DIR",
                   help="an events export (.jsonl/.csv/.parquet, or a directory of Parquet such as "
                   "`events export --partition month` writes; s3:// and hdfs:// URLs pass through) "
                   "instead of the database")  # fmt: skip
    p.add_argument("--since", type=date.fromisoformat, help="only orders created since DATE")
    p.add_argument("--as-of", type=datetime.fromisoformat, help="'now' for open orders")
    p.add_argument("--period", choices=("week", "month", "quarter", "year"), default="month",
                   help="scorecard period (default month)")  # fmt: skip
    p.add_argument("--json", type=Path, metavar="OUT")
    _engine_option(p)
    p.set_defaults(func=cmd_supervise)
    ssub = p.add_subparsers(dest="supervise_command")

    q = ssub.add_parser("log", parents=[common], help="handover metrics and bounce on any log")
    q.add_argument("--input", type=event_source, required=True, metavar="FILE|DIR")
    q.add_argument("--case", required=True, help="column of the case (order) id")
    q.add_argument("--time", required=True, help="column of the event time")
    q.add_argument("--unit", required=True, help="column of the unit/team that acted")
    q.add_argument("--activity", help="column of the activity name")
    q.add_argument("--json", type=Path, required=True, metavar="OUT")
    _engine_option(q)
    q.set_defaults(func=cmd_supervise_log)

    q = ssub.add_parser("simulate", parents=[common], help="a city log with planted misconduct")
    q.add_argument("--out", type=Path, required=True, help="events .jsonl")
    q.add_argument("--truth-out", type=Path, help="JSON list of [detector, order] that must fire")
    q.add_argument("--days", type=int, default=120)
    q.add_argument("--orders-per-day", type=int, default=100)
    q.add_argument("--misconduct-rate", type=float, default=0.05)
    q.add_argument("--seed", type=int, default=42)
    q.add_argument(
        "--surge-every-days", type=int, default=3, help="plant a 热点 surge every N days (0: none)"
    )
    q.add_argument("--surges-out", type=Path, help="JSON list of the planted surges' orders")
    q.set_defaults(func=cmd_supervise_simulate)


def _write_report(report: dict[str, Any], out: Path) -> None:
    write_json(out, report)
    summary = report["summary"]
    print(
        f"{summary['cases']} orders, {summary['events']} events, {summary['handovers']} handovers "
        f"({summary['cases_with_revisit']} orders revisit a unit); {summary['findings']} findings "
        f"on {summary['orders_flagged']} orders → {out}"
    )
    for code, count in summary["by_detector"].items():
        print(f"  {code:<24} {count}")
    hotspots = report.get("hotspots", [])
    if hotspots:
        growing = sum(hotspot["growing"] for hotspot in hotspots)
        print(f"{len(hotspots)} hotspots ({growing} growing); hottest:")
        for hotspot in hotspots[:5]:
            words = "、".join(hotspot["topic"])
            heat, place, count = hotspot["heat"], hotspot["place"], hotspot["count"]
            print(f"  {heat:>6} {place} · {words} · {count} orders")


def _running() -> Any:
    from rich.console import Console

    return Console(stderr=True).status("running the detectors …")


def _engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="duckdb (default, this machine) or spark (local, HOTLINE_SPARK_MASTER's cluster, "
        "or spark-submit's: docs/scale.md); both give the same report",
    )


def cmd_supervise(args: argparse.Namespace) -> int:
    from hotline.supervision.selectors import database_report

    if args.json is None:
        return fail("--json OUT is required")
    # Also with --events: the units' names come from the database.
    if problem := database_problem():
        return fail(problem)
    try:
        with _running():
            report = database_report(
                period=args.period,
                events=args.events,
                as_of=args.as_of,
                since=args.since,
                engine=args.engine,
            )
    except EventLogError as exc:
        return fail(str(exc))
    _write_report(report, args.json)
    return 0


def cmd_supervise_log(args: argparse.Namespace) -> int:
    from hotline.domain.supervision.eventlog import load_external
    from hotline.supervision.selectors import report_on

    try:
        log = load_external(
            args.input,
            case=args.case,
            time=args.time,
            unit=args.unit,
            activity=args.activity,
            engine=args.engine,
        )
    except EventLogError as exc:
        return fail(str(exc))
    with _running():
        report = report_on(log)
    _write_report(report, args.json)
    return 0


def cmd_supervise_simulate(args: argparse.Namespace) -> int:
    from hotline.domain.supervision.simulate import simulate_city

    if args.days < 1 or args.orders_per_day < 1 or not 0 <= args.misconduct_rate <= 1:
        return fail("--days and --orders-per-day must be ≥ 1, --misconduct-rate in [0, 1]")
    if args.surge_every_days < 0:
        return fail("--surge-every-days must be ≥ 0")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        result = simulate_city(
            out,
            days=args.days,
            orders_per_day=args.orders_per_day,
            misconduct_rate=args.misconduct_rate,
            seed=args.seed,
            surge_every_days=args.surge_every_days,
        )
    if args.truth_out:
        write_json(args.truth_out, sorted(result.truth))
    if args.surges_out:
        write_json(args.surges_out, result.surges)
    print(
        f"wrote {result.events} events of {result.orders} orders to {args.out}; planted: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(result.planted.items()))
        + f"; {len(result.surges)} surges"
    )
    return 0
