"""The shift schedule (排班表) as CSV: ``agent,start,end`` in local time."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from hotline.domain.callcenter.calllog import EARLIEST, LATEST, MAX_NAME, CallLogInputError
from hotline.domain.detectors.away_from_post import ShiftSlot
from hotline.domain.inputs import InputError, csv_lines

COLUMNS = ("agent", "start", "end")


def read_shifts(path: Path) -> list[ShiftSlot]:
    """Every shift of the file; any bad row stops the read with its line number and field."""
    reader = csv.DictReader(csv_lines(path, error=CallLogInputError))
    try:
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
        if missing:
            raise CallLogInputError(
                f"shift column(s) missing: {', '.join(missing)}", source=path, line=1
            )
        slots = []
        for row in reader:
            try:
                slots.append(_slot(row))
            except InputError as exc:
                raise exc.located(source=path, line=reader.line_num) from None
    except csv.Error as exc:
        raise CallLogInputError(
            f"not readable as CSV: {exc}", source=path, line=reader.line_num
        ) from None
    return slots


def _slot(row: dict[str | None, object]) -> ShiftSlot:
    if None in row:
        raise InputError("more fields than the header has")
    agent = str(row.get("agent") or "").strip()
    if not agent or len(agent) > MAX_NAME:
        raise InputError(f"a shift needs an agent of 1 to {MAX_NAME} characters", field="agent")
    start, end = _time(row, "start"), _time(row, "end")
    if end <= start:
        raise InputError("a shift ends after it starts", field="end")
    return ShiftSlot(agent, start, end)


def _time(row: dict[str | None, object], name: str) -> datetime:
    text = str(row.get(name) or "").strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text[:40]!r} is not an ISO date-time", field=name) from None
    if value.tzinfo is not None or not EARLIEST <= value < LATEST:
        raise InputError(
            f"{text[:40]!r} must be a local date-time between {EARLIEST.year} and {LATEST.year}",
            field=name,
        )
    return value


def write_shifts(out: TextIO, shifts: Iterable[ShiftSlot]) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for slot in shifts:
        writer.writerow([slot.agent, slot.start.isoformat(sep=" "), slot.end.isoformat(sep=" ")])
