"""热点问题 on the Teddy Cup messages, and 答非所问 on the official replies.

    .venv/bin/python bench/hotspots.py [--top 10] [--show 5]

1. Reads ``../shared/data/tipdm2020_c/messages_with_votes.csv`` (4,326 citizen messages with
   their likes) into :class:`hotline.domain.hotspots.cluster.Entry` (key 留言编号, at 留言时间,
   text 留言主题 + 留言详情, caller 留言用户, likes 点赞数), runs ``top_problems`` with the
   ``RECURRING`` limits and prints the top-problems table as Markdown (pasted into
   bench/README.md) with the time taken.
2. Writes ``messages_with_replies.csv`` as a tiny event log (one ``create`` and one ``reply``
   event per message, in the interchange format), runs the ``reply_mismatch`` detector's SQL on
   it and prints how many of the official replies, presumed to answer their messages, it flags
   (the false-positive rate), with the lowest-scoring few.

Nothing is copied into the project: the CSVs are read where they lie, the event log is written
to a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from common import ROOT, print_machine

sys.path.insert(0, str(ROOT))

from hotline.domain.hotspots.cluster import Entry, top_problems

DATA = ROOT.parent / "shared" / "data" / "tipdm2020_c"
VOTES = DATA / "messages_with_votes.csv"
REPLIES = DATA / "messages_with_replies.csv"


def parse_time(value: str) -> datetime:
    """ "2019/2/28 11:25:05" and "2019-08-01 00:00:00" (both occur), local time."""
    value = value.strip().replace("/", "-")
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {value!r}")


def _clean(value: str) -> str:
    return " ".join(value.split())


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as raw:
        yield from csv.DictReader(raw)


def read_entries(path: Path = VOTES) -> list[Entry]:
    return [
        Entry(
            key=row["留言编号"].strip(),
            at=parse_time(row["留言时间"]),
            text=_clean(row["留言主题"]) + " " + _clean(row["留言详情"]),
            caller=row["留言用户"].strip(),
            likes=int(float(row["点赞数"] or 0)),
        )
        for row in _rows(path)
    ]


def reply_log(path: Path, target: Path) -> int:
    """The messages and their official replies as an interchange JSONL event log."""
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for row in _rows(path):
            reply = _clean(row["答复意见"])
            if not reply:
                continue
            order = f"T{row['留言编号'].strip()}"
            asked = parse_time(row["留言时间"])
            answered = asked + timedelta(days=1)
            if row.get("答复时间", "").strip():
                answered = max(parse_time(row["答复时间"]), asked)
            text = _clean(row["留言主题"]) + " " + _clean(row["留言详情"])
            events = (
                (1, asked, "create", "", {"text": text}),
                (2, answered, "reply", "gov", {"text": reply}),
            )
            for seq, at, action, unit, data in events:
                event = {
                    "order": order,
                    "seq": seq,
                    "at": at.isoformat() + "+08:00",
                    "action": action,
                    "actor": "bench",
                    "unit": unit,
                    "to_unit": "",
                    "data": data,
                }
                out.write(json.dumps(event, ensure_ascii=False) + "\n")
            count += 1
    return count


def reply_scores(path: Path = REPLIES) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(replies, flagged rows, every scored row lowest first) of ``reply_mismatch`` on the
    official replies."""
    from hotline.domain.detectors import reply_mismatch
    from hotline.domain.detectors.base import ensure_unit_names, rows
    from hotline.domain.supervision.eventlog import load_interchange

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "replies.jsonl"
        count = reply_log(path, target)
        log = load_interchange(target)
        ensure_unit_names(log, {"gov": "政府部门"})
        limits = reply_mismatch.MismatchThresholds()
        flagged = rows(
            log, reply_mismatch.SQL, [limits.min_content, limits.max_shared, limits.max_found]
        )
        every = rows(log, reply_mismatch.SQL, [limits.min_content, 1.01, 10**9])
    every.sort(key=lambda r: (r["shared"], r["order_id"]))
    return count, flagged, every


def _span(row: dict[str, Any]) -> str:
    start, end = row["start"].date(), row["end"].date()
    return f"{start}" if start == end else f"{start} – {end}"


def _orders(row: dict[str, Any], shown: int = 3) -> str:
    first = ", ".join(row["orders"][:shown])
    return f"{row['count']} ({first}{', …' if row['count'] > shown else ''})"


def _cell(text: str, limit: int = 60) -> str:
    text = text.replace("|", "/")
    return text if len(text) <= limit else text[:limit] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--show", type=int, default=5, help="lowest-scoring replies to show")
    args = parser.parse_args()
    if not VOTES.is_file() or not REPLIES.is_file():
        print(f"{DATA} is absent: nothing to measure", file=sys.stderr)
        return 1
    print_machine()
    started = time.perf_counter()
    entries = read_entries()
    read = time.perf_counter() - started
    started = time.perf_counter()
    table = top_problems(entries, top=args.top)
    took = time.perf_counter() - started
    print(f"\n{len(entries):,} messages, read in {read:.2f} s, top_problems {took:.2f} s\n")
    print("| # | heat | dates | place or group | description | orders |")
    print("|---|---|---|---|---|---|")
    for row in table:
        topic = " ".join(row["topic"])
        print(
            f"| {row['rank']} | {row['heat']:.1f} | {_span(row)} | {_cell(row['place']) or '—'} "
            f"| {topic}: {_cell(row['description'])} | {_orders(row)} |"
        )
    started = time.perf_counter()
    count, flagged, every = reply_scores()
    took = time.perf_counter() - started
    scored = len(every)
    print(
        f"\n答非所问 on {count:,} official replies ({scored:,} with enough content to score): "
        f"{len(flagged)} flagged, {len(flagged) / count:.1%} of all, in {took:.2f} s"
    )
    for row in every[: args.show]:
        print(
            f"- {row['order_id']} shared {row['shared']:.0%}: 诉求“{_cell(row['request'], 50)}” "
            f"答复“{_cell(row['reply'], 80)}”"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
