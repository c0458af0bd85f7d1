"""KPIs of a real call center: "Anonymous Bank", August (Technion), through the CDR CSV.

    .venv/bin/python bench/bench_august_calls.py [--out var/bench/august_cdr.csv]

Converts ``../shared/data/callcenter/august_calls.csv`` to the CDR CSV of DESIGN.md with the
mapping below, runs ``hotline callcenter kpi --cdr`` on it in-process and prints the totals, the
per-day table and the per-agent table as Markdown (pasted into bench/README.md).

Mapping (one row per call; the source has no time zone, its times are taken as local):

=============  ===================================================================
call_id        ``vru+line`` + "-" + ``call_id`` (call_id alone repeats across lines)
started_at     ``date`` + ``vru_entry`` (the call reaches the VRU)
queued         ``q_time`` > 0 (``q_start`` 0:00:00 means it never queued)
wait_seconds   ``q_time``
outcome        AGENT → answered; HANG after queueing → abandoned;
               HANG without queueing → ivr_only; PHANTOM → other
agent          ``server`` for answered calls
talk_seconds   ``ser_time``
queue          ``type`` (service type: PS, NW, …)
caller         ``customer_id`` when not 0
=============  ===================================================================
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from common import ROOT, print_machine

SOURCE = ROOT.parent / "shared" / "data" / "callcenter" / "august_calls.csv"
COLUMNS = (
    "call_id",
    "started_at",
    "queued",
    "wait_seconds",
    "outcome",
    "agent",
    "talk_seconds",
    "queue",
    "caller",
)


def _outcome(row: dict[str, str], queued: bool) -> str:
    if row["outcome"] == "AGENT":
        return "answered"
    if row["outcome"] == "HANG":
        return "abandoned" if queued else "ivr_only"
    return "other"


def convert(source: Path, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with source.open(newline="") as raw, target.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in csv.DictReader(raw):
            queued = int(row["q_time"]) > 0
            outcome = _outcome(row, queued)
            hh, mm, ss = row["vru_entry"].split(":")
            writer.writerow(
                [
                    f"{row['vru+line']}-{row['call_id']}",
                    f"{row['date']} {int(hh):02d}:{mm}:{ss}",
                    "true" if queued else "false",
                    row["q_time"],
                    outcome,
                    row["server"] if outcome == "answered" else "",
                    row["ser_time"] if outcome == "answered" else "",
                    row["type"],
                    "" if row["customer_id"] == "0" else row["customer_id"],
                ]
            )
            count += 1
    return count


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _call_row(key: str, row: dict[str, Any]) -> str:
    return (
        f"| {key} | {row['offered']} | {row['answered']} | {row['abandoned']} | "
        f"{_pct(row['connect_rate'])} | {_pct(row['answered_within_15s_rate'])} | "
        f"{_pct(row['abandonment_rate'])} | {_num(row['asa_seconds'])} | "
        f"{_num(row['aht_seconds'])} |"
    )


HEADER = (
    "| {} | offered | answered | abandoned | 接通率 | 15秒接通率 | 放弃率 | ASA s | AHT s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "august_cdr.csv")
    args = parser.parse_args()
    if not SOURCE.is_file():
        print(f"skipped: {SOURCE} is absent")
        return 0
    print_machine()
    rows = convert(SOURCE, args.out)
    from hotline.domain.callcenter.cdr import load_cdr
    from hotline.domain.callcenter.kpi import kpi_report

    log = load_cdr(args.out, tz="Asia/Jerusalem")
    report = kpi_report(log)
    print(f"\n{rows} source rows → {args.out}; malformed: {log.report.malformed}")
    print(f"not offered: {report['not_offered']}\n")
    print(HEADER.format("total"))
    print(_call_row("August", report))
    print("\n" + HEADER.format("day"))
    for day in report["days"]:
        print(_call_row(day["key"], day))
    print("\n" + HEADER.format("queue (type)"))
    for queue in report["queues"]:
        print(_call_row(str(queue["key"]), queue))
    print("\n| agent | answered | talk h | AHT s | ASA s |\n|---|---:|---:|---:|---:|")
    for agent in report["agents"]:
        print(
            f"| {agent['agent']} | {agent['answered']} | {agent['talk_seconds'] / 3600:.1f} | "
            f"{_num(agent['aht_seconds'])} | {_num(agent['asa_seconds'])} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
