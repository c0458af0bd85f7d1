"""Export, import and verification of the event log in the interchange format.

JSON Lines or CSV, chosen by the file extension, with exactly DESIGN.md's columns. Import checks
every line first and writes nothing when any is bad; the hash chain is built on the way in.
"""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from hotline.domain.inputs import InputError, input_file, line_texts, output_file
from hotline.domain.interchange import (
    FIELDS,
    BadLine,
    LineError,
    OrderLog,
    ParsedLine,
    assemble,
    decode_json,
    parse_line,
)
from hotline.eventstore import store
from hotline.eventstore.verify import VerifyResult, events_verify_all
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.stream import ORDER_STREAM, ROW_FIELDS

CHUNK = 5000


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise InputError(f"unknown format {suffix!r}; use .jsonl or .csv", source=path)


def _local_iso(at: datetime) -> str:
    return timezone.localtime(at).isoformat()


def _export_rows() -> Iterator[dict[str, Any]]:
    qs = (
        WorkOrderEvent.objects.order_by("order__number", "seq")
        .values_list("order__number", "seq", "at", "action", "actor", "unit", "to_unit", "data")
        .iterator(chunk_size=CHUNK)
    )
    for number, seq, at, action, actor, unit, to_unit, data in qs:
        yield {
            "order": number,
            "seq": seq,
            "at": _local_iso(at),
            "action": action,
            "actor": actor,
            "unit": unit,
            "to_unit": to_unit,
            "data": data,
        }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def events_export(path: Path) -> int:
    """Write every event, ordered by order number and seq; return the count."""
    kind = _format(output_file(path))
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        if kind == "jsonl":
            for row in _export_rows():
                out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        else:
            writer = csv.DictWriter(out, fieldnames=FIELDS)
            writer.writeheader()
            for row in _export_rows():
                writer.writerow({**row, "data": _dumps(row["data"])})
                count += 1
    return count


def _read_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object or BadLine) for each non-blank line."""
    kind = _format(input_file(path))
    if kind == "jsonl":
        yield from _read_jsonl(path)
    else:
        yield from _read_csv(path)


def _text_lines(path: Path) -> Iterator[tuple[int, str | BadLine]]:
    """Each line's text with its line ending, or a BadLine for a line that is not UTF-8 or
    longer than the limit (hotline.domain.inputs.line_texts)."""
    for number, text in line_texts(path):
        yield number, BadLine(text.message) if isinstance(text, InputError) else text


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    for number, text in _text_lines(path):
        if isinstance(text, BadLine):
            yield number, text
        elif text.strip():
            try:
                yield number, decode_json(text)
            except BadLine as exc:
                yield number, exc


def _read_csv(path: Path) -> Iterator[tuple[int, Any]]:
    """Rows of a CSV file; a line that is not text ends the reading (the CSV reader cannot
    resynchronise after it), reported at its number."""
    broken: list[tuple[int, BadLine]] = []

    def lines() -> Iterator[str]:
        for number, text in _text_lines(path):
            if isinstance(text, BadLine):
                broken.append((number, text))
                return
            yield text

    reader = csv.DictReader(lines())
    try:
        header = reader.fieldnames or []
        missing = [f for f in ("order", "at", "action") if f not in header]
        if missing and not broken:
            yield 1, BadLine(f"CSV header lacks column(s): {', '.join(missing)}")
            return
        for row in reader:
            if None in row:
                yield reader.line_num, BadLine("more values than header columns")
                continue
            yield reader.line_num, row
    except csv.Error as exc:
        yield reader.line_num, BadLine(f"malformed CSV ({exc})")
        return
    yield from broken


@dataclass(frozen=True)
class ImportResult:
    orders: int
    events: int
    errors: list[LineError]

    @property
    def ok(self) -> bool:
        return not self.errors


def events_import(path: Path) -> ImportResult:
    """Validate the whole file, then import it in one transaction (or nothing at all)."""
    # Millions of small objects and no cycles among them: the cyclic collector would only
    # rescan them again and again (it doubled the import time in bench/bench_verify.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(path)
    finally:
        if collecting:
            gc.enable()


def _import(path: Path) -> ImportResult:
    parsed: list[ParsedLine] = []
    errors: list[LineError] = []
    for number, raw in _read_lines(path):
        if isinstance(raw, InputError):
            errors.append(LineError.of(number, raw))
            continue
        try:
            parsed.append(parse_line(raw, number))
        except InputError as exc:
            errors.append(LineError.of(number, exc))
    with store.write_transaction():
        numbers = {p.order for p in parsed}
        rows = _existing_rows(numbers)
        assembled = assemble(parsed, {n: r.to_snapshot() for n, r in rows.items()})
        parsed.clear()  # the records now hold what is needed; let the lines go
        errors = sorted(errors + assembled.errors, key=lambda e: e.line)
        if errors:
            return ImportResult(0, 0, errors)
        count = _write(assembled.orders, rows)
    return ImportResult(len(assembled.orders), count, [])


def _existing_rows(numbers: set[str]) -> dict[str, WorkOrder]:
    found: dict[str, WorkOrder] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for row in WorkOrder.objects.select_for_update().filter(number__in=chunk):
            found[row.number] = row
    return found


def _write(orders: dict[str, OrderLog], rows: dict[str, WorkOrder]) -> int:
    """Rows take their final snapshot; the event store chains and writes the events."""
    batches = []
    for number, log in orders.items():
        row = rows.setdefault(number, WorkOrder(number=number))
        row.set_snapshot(log.final)
        batches.append((row, log.records))
    return store.stream_append_many(ORDER_STREAM, batches=batches, fields=ROW_FIELDS)


# -- verification ------------------------------------------------------------------------------


def events_verify() -> VerifyResult:
    """Every registered stream (work orders, supervision cases) and the attachments their events
    seal; the first broken place, if any."""
    return events_verify_all()
