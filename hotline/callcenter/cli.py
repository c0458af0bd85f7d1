"""``hotline callcenter …``: import, kpi, staff, simulate. Thin: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from hotline.cli_database import database_problem
from hotline.cli_output import fail, write_json
from hotline.domain import erlang
from hotline.domain.callcenter.calllog import MAX_CALL_SECONDS
from hotline.domain.callcenter.kpi import KpiOptions, parse_interval
from hotline.domain.callcenter.plan import MAX_CALLS_PER_INTERVAL
from hotline.domain.inputs import InputError, finite_number, output_file

SHOWN_MALFORMED = 20
SHOWN_WARNINGS = 20


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("callcenter", parents=[common], help="call center (话务): logs, KPIs")
    csub = group.add_subparsers(dest="callcenter_command", required=True)

    p = csub.add_parser("import", parents=[common], help="store a queue_log or CDR file")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("auto", "queue_log", "cdr"), default="auto")
    p.add_argument("--shifts", type=Path, help="shift schedule CSV (agent,start,end)")
    p.set_defaults(func=cmd_import)

    p = csub.add_parser("kpi", parents=[common], help="KPIs of a queue_log or CDR file")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--queue-log", type=Path, metavar="FILE")
    source.add_argument("--cdr", type=Path, metavar="FILE")
    p.add_argument("--interval", default="30m", help="15m, 30m or 60m (default 30m)")
    p.add_argument("--shifts", type=Path, help="shift schedule CSV for away_from_post")
    p.add_argument(
        "--callback-window",
        default="24h",
        help="回拨 window after an abandoned call: 90m, 24h, 2d (default 24h)",
    )
    _target_options(p)
    p.add_argument("--json", type=Path, required=True, metavar="OUT")
    p.set_defaults(func=cmd_kpi)

    p = csub.add_parser("staff", parents=[common], help="Erlang C agents for a target")
    load = p.add_mutually_exclusive_group(required=True)
    load.add_argument("--calls", type=float, help="calls offered in one interval")
    load.add_argument("--plan", type=Path, metavar="CSV", help="forecast: start,calls[,aht]")
    p.add_argument("--interval-minutes", type=float, required=True)
    p.add_argument("--aht-seconds", type=float)
    _target_options(p)
    p.add_argument("--json", type=Path, required=True, metavar="OUT")
    p.set_defaults(func=cmd_staff)

    p = csub.add_parser("simulate", parents=[common], help="write a synthetic queue_log")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--shifts-out", type=Path)
    p.add_argument("--truth-out", type=Path, help="JSON of the planted misconduct")
    p.add_argument("--start", type=date.fromisoformat, default=date(2026, 3, 2))
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--agents", type=int, default=40)
    p.add_argument("--calls-per-day", type=int, default=3000)
    p.add_argument("--plant-busy", type=int, default=1, help="long_busy agents per day")
    p.add_argument("--plant-away", type=int, default=1, help="away_from_post agents per day")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_simulate)


def _target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target-seconds", type=float, default=erlang.DEFAULT_TARGET_SECONDS)
    p.add_argument("--service-level", type=float, default=erlang.DEFAULT_SERVICE_LEVEL)
    p.add_argument("--shrinkage", type=float, default=0.0)


def _print_malformed(report: dict[str, Any]) -> None:
    """Lines left out, then lines kept with a warning: each named by file, line and field."""
    if report["malformed"]:
        print(f"{report['malformed']} malformed line(s), not used:", file=sys.stderr)
        for bad in report["malformed_lines"][:SHOWN_MALFORMED]:
            field = f"{bad['field']}: " if bad.get("field") else ""
            print(f"  {report['source']}:{bad['line']}: {field}{bad['problem']}", file=sys.stderr)
        if report["malformed"] > SHOWN_MALFORMED:
            print(f"  … and {report['malformed'] - SHOWN_MALFORMED} more", file=sys.stderr)
    total = report.get("warnings_total", 0)
    if total:
        print(f"{total} warning(s), the calls counted:", file=sys.stderr)
        for warning in report["warnings"][:SHOWN_WARNINGS]:
            print(
                f"  {report['source']}:{warning['line']}: {warning['field']}: {warning['message']}",
                file=sys.stderr,
            )
        if total > SHOWN_WARNINGS:
            print(f"  … and {total - SHOWN_WARNINGS} more", file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from hotline.callcenter.services import AlreadyImported, calllog_import
    from hotline.domain.callcenter.shifts import read_shifts

    if problem := database_problem():
        return fail(problem)
    try:
        shifts = read_shifts(args.shifts) if args.shifts else None
        record = calllog_import(path=args.file, fmt=args.format, actor_name="cli", shifts=shifts)
    except (InputError, AlreadyImported) as exc:
        return fail(str(exc))
    _print_malformed(record.report)
    print(
        f"imported {args.file} ({record.format}): {record.lines} lines, "
        f"{record.calls_added} new calls ({record.calls_already_known} already known), "
        f"{record.spans_added} agent-state spans, {record.findings.count()} agent findings, "
        f"{record.malformed} malformed lines, {record.report.get('warnings_total', 0)} warnings"
    )
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    from django.conf import settings

    from hotline.callcenter.services import agent_findings
    from hotline.domain import callcenter
    from hotline.domain.callcenter.callbacks import parse_window
    from hotline.domain.callcenter.kpi import kpi_report
    from hotline.domain.callcenter.shifts import read_shifts

    try:
        output_file(args.json)  # refused before the work, not after it
        options = KpiOptions(
            interval_minutes=parse_interval(args.interval),
            target_seconds=args.target_seconds,
            service_level=args.service_level,
            shrinkage=args.shrinkage,
            callback_window_minutes=parse_window(args.callback_window),
        )
        shifts = read_shifts(args.shifts) if args.shifts else None
        fmt, path = ("queue_log", args.queue_log) if args.queue_log else ("cdr", args.cdr)
        log = callcenter.load(path, fmt=fmt, tz=settings.TIME_ZONE)
    except InputError as exc:
        return fail(str(exc))
    report = kpi_report(log, options, order_call_ids=_order_call_ids())
    findings = agent_findings(log, shifts, callback_window_minutes=options.callback_window_minutes)
    report["findings"] = [finding.as_dict() for finding in findings]
    report["detectors_run"] = (
        ["long_busy"] + (["away_from_post"] if shifts else []) + ["missed_callback"]
    )
    write_json(args.json, report)
    _print_malformed(report["input"])
    _print_summary(report, args.json)
    return 0


def _order_call_ids() -> set[str] | None:
    """The call ids work orders were taken from, for 受理率; None (the rate left out) without a
    usable database, since the KPIs of a file need none."""
    from hotline.callcenter.selectors import order_call_ids

    if problem := database_problem():
        print(f"note: 受理率 left out: {problem}", file=sys.stderr)
        return None
    return order_call_ids()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _print_summary(report: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="话务指标 call-center KPIs", show_header=True)
    for column in ("offered", "answered", "abandoned", "接通率", "15秒接通率", "放弃率", "ASA s"):
        table.add_column(column, justify="right")
    asa = report["asa_seconds"]
    table.add_row(
        str(report["offered"]),
        str(report["answered"]),
        str(report["abandoned"]),
        _percent(report["connect_rate"]),
        _percent(report["answered_within_15s_rate"]),
        _percent(report["abandonment_rate"]),
        "—" if asa is None else f"{asa:.1f}",
    )
    console = Console()
    console.print(table)
    for key in ("offered", "connect_rate", "answered_within_15s_rate", "abandonment_rate"):
        console.print(f"  {report['definitions'][key]}", highlight=False)
    back = report["callbacks"]
    console.print(
        f"回拨 callbacks: {back['abandoned_with_number']} abandoned with a number, "
        f"{back['called_back']} called back ({back['called_back_reached']} reached), "
        f"{back['called_again']} called again, {back['not_called_back']} not called back; "
        f"rate {_percent(back['callback_rate'])}",
        highlight=False,
    )
    console.print(
        f"{len(report['intervals'])} intervals, {len(report['agents'])} agents, "
        f"{len(report['findings'])} findings → {out}"
    )
    if report["warnings_total"]:
        console.print(
            f"{report['warnings_total']} line(s) with warnings, the calls counted: see "
            f'"warnings" in {out}',
            highlight=False,
        )


def _check_staff_args(args: argparse.Namespace) -> None:
    """Numbers from the command line, bounded: NaN or 10^300 would hang or crash Erlang C."""
    output_file(args.json)
    bounds = [
        ("--interval-minutes", args.interval_minutes, 1, 24 * 60),
        ("--target-seconds", args.target_seconds, 0, 3600),
        ("--service-level", args.service_level, 0, 1),
        ("--shrinkage", args.shrinkage, 0, 1),
    ]
    if args.calls is not None:
        bounds.append(("--calls", args.calls, 0, MAX_CALLS_PER_INTERVAL))
    if args.aht_seconds is not None:
        bounds.append(("--aht-seconds", args.aht_seconds, 0, MAX_CALL_SECONDS))
    for name, value, low, high in bounds:
        finite_number(value, field=name, low=low, high=high)


def cmd_staff(args: argparse.Namespace) -> int:
    try:
        _check_staff_args(args)
    except InputError as exc:
        return fail(str(exc))
    if args.plan:
        return _staff_plan(args)
    if args.aht_seconds is None:
        return fail("--aht-seconds is required with --calls")
    try:
        plan = erlang.staff_interval(
            calls=args.calls,
            interval_minutes=args.interval_minutes,
            aht_seconds=args.aht_seconds,
            target_seconds=args.target_seconds,
            service_level_goal=args.service_level,
            shrinkage=args.shrinkage,
        )
    except erlang.StaffingInputError as exc:
        return fail(str(exc))
    result = plan.as_dict()
    result.update(target_seconds=args.target_seconds, service_level_goal=args.service_level)
    result["shrinkage"] = args.shrinkage
    write_json(args.json, result)
    print(
        f"{plan.agents} agents on the phones ({plan.positions} to roster with "
        f"{args.shrinkage:.0%} shrinkage): service level {plan.service_level:.2%} within "
        f"{args.target_seconds:g} s, ASA {plan.asa_seconds:.1f} s, occupancy "
        f"{plan.occupancy:.1%}, P(wait) {plan.waiting_probability:.2%}"
    )
    return 0


def _staff_plan(args: argparse.Namespace) -> int:
    from hotline.domain.callcenter.plan import day_plan, read_forecast

    try:
        result = day_plan(
            read_forecast(args.plan, default_aht=args.aht_seconds),
            interval_minutes=args.interval_minutes,
            target_seconds=args.target_seconds,
            service_level=args.service_level,
            shrinkage=args.shrinkage,
        )
    except InputError as exc:
        return fail(str(exc))
    write_json(args.json, result)
    print(
        f"{len(result['intervals'])} intervals: peak {result['peak_positions']} positions, "
        f"{result['position_hours']:.0f} position-hours to roster → {args.json}"
    )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from hotline.domain.callcenter.shifts import write_shifts
    from hotline.domain.callcenter.simulate import simulate_queue_log

    if not (1 <= args.days <= 366 and 3 <= args.agents <= 10_000):
        return fail("--days must be 1 to 366 and --agents 3 to 10,000")
    if not 0 <= args.calls_per_day <= 1_000_000:
        return fail("--calls-per-day must be 0 to 1,000,000")
    try:
        for path in (args.out, args.shifts_out, args.truth_out):
            if path is not None:
                output_file(path)
    except InputError as exc:
        return fail(str(exc))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        result = simulate_queue_log(
            out,
            start=args.start,
            days=args.days,
            agents=args.agents,
            calls_per_day=args.calls_per_day,
            plant_busy=args.plant_busy,
            plant_away=args.plant_away,
            seed=args.seed,
        )
    if args.shifts_out:
        with args.shifts_out.open("w", newline="") as out:
            write_shifts(out, result.shifts)
    if args.truth_out:
        write_json(
            args.truth_out,
            [
                {"detector": p.detector, "agent": p.agent, "day": p.day.isoformat()}
                for p in result.planted
            ],
        )
    print(f"wrote {result.lines} queue_log lines to {args.out} ({len(result.planted)} planted)")
    return 0
