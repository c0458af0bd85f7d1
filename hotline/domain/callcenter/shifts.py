"""The shift schedule (排班表) as CSV: ``agent,start,end`` in local time."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from hotline.domain.callcenter.cdr import CallLogInputError
from hotline.domain.detectors.away_from_post import ShiftSlot

COLUMNS = ("agent", "start", "end")


def read_shifts(path: Path) -> list[ShiftSlot]:
    """Every shift of the file; any bad row stops the read with its line number."""
    if not path.is_file():
        raise CallLogInputError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
        if missing:
            raise CallLogInputError(f"{path}: shift column(s) missing: {', '.join(missing)}")
        return [_slot(path, reader.line_num, row) for row in reader]


def _slot(path: Path, line: int, row: dict[str, str]) -> ShiftSlot:
    try:
        start = datetime.fromisoformat(row["start"].strip())
        end = datetime.fromisoformat(row["end"].strip())
    except ValueError:
        raise CallLogInputError(f"{path}:{line}: start/end are not ISO date-times") from None
    if not row["agent"].strip() or end <= start:
        raise CallLogInputError(f"{path}:{line}: a shift needs an agent and end after start")
    return ShiftSlot(row["agent"].strip(), start, end)


def write_shifts(out: TextIO, shifts: Iterable[ShiftSlot]) -> None:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for slot in shifts:
        writer.writerow([slot.agent, slot.start.isoformat(sep=" "), slot.end.isoformat(sep=" ")])
