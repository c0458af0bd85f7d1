"""Export, import and verification of the event log in the interchange format.

JSON Lines or CSV, chosen by the file extension, with exactly DESIGN.md's columns. Import checks
every line first and writes nothing when any is bad; the hash chain is built on the way in.
Export also writes Parquet (the same columns, ``data`` as JSON text): one file, or a dataset
partitioned by month for the engines that read a province's log (Hive layout).
"""

from __future__ import annotations

import csv
import gc
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from django.utils import timezone

from hotline.domain.duck import open_connection
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


# Rows handed to DuckDB at a time when writing Parquet: memory stays bounded at any log size.
PARQUET_BATCH = 20_000
PARTITIONS = ("month",)


def _format(path: Path, *, parquet: bool = False) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if parquet and suffix == ".parquet":
        return "parquet"
    known = ".jsonl, .csv or .parquet" if parquet else ".jsonl or .csv"
    raise InputError(f"unknown format {suffix!r}; use {known}", source=path)


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


def events_export(path: Path, *, partition: str | None = None) -> int:
    """Write every event, ordered by order number and seq; return the count. The format follows
    the extension (.jsonl, .csv, .parquet); with ``partition="month"`` ``path`` is a new or empty
    directory that gets a Parquet dataset, ``month=YYYY-MM/part-0.parquet`` for each month of the
    events' local time."""
    kind = export_format(path, partition=partition)
    if kind == "dataset":
        return _export_parquet(path, by_month=True)
    if kind == "parquet":
        return _export_parquet(path, by_month=False)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        if kind == "jsonl":
            for row in _export_rows():
                out.write(_json_text(row) + "\n")
                count += 1
        else:
            writer = csv.DictWriter(out, fieldnames=FIELDS)
            writer.writeheader()
            for row in _export_rows():
                writer.writerow({**row, "data": _dumps(row["data"])})
                count += 1
    return count


def export_format(path: Path, *, partition: str | None = None) -> str:
    """What an export to ``path`` writes (jsonl, csv, parquet, or dataset: a directory
    partitioned by month), or an InputError saying why it cannot go there."""
    if partition is None:
        return _format(output_file(path), parquet=True)
    if partition not in PARTITIONS:
        raise InputError(f"unknown partition {partition!r}; use month", source=path)
    _empty_directory(path)
    return "dataset"


def _empty_directory(path: Path) -> None:
    """A dataset goes to a new or an empty directory only, so that two exports never mix."""
    if path.exists() and not path.is_dir():
        raise InputError("is a file; a partitioned export writes a directory", source=path)
    if path.is_dir() and any(path.iterdir()):
        raise InputError(
            "directory is not empty; give a new or empty one (exports are never mixed)",
            source=path,
        )
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{parent} is not a directory", source=path)


PARQUET_COLUMNS = {
    "order": "VARCHAR",
    "seq": "BIGINT",
    "at": "VARCHAR",  # the local ISO time with its offset, as in JSON Lines and CSV
    "action": "VARCHAR",
    "actor": "VARCHAR",
    "unit": "VARCHAR",
    "to_unit": "VARCHAR",
    "data": "VARCHAR",  # JSON text, keys in the order JSON Lines writes them
}


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _export_parquet(path: Path, *, by_month: bool) -> int:
    """Stream the events into a DuckDB table on disk in batches, then let DuckDB write the
    Parquet. Written beside the target under a hidden name and renamed when complete, so a failed
    export leaves nothing that looks like one."""
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="hotline-export-")
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
    try:
        con = open_connection(database=str(Path(scratch) / "export.duckdb"))
        try:
            count = _stage_events(con)
            names = ", ".join(f'"{name}"' for name in PARQUET_COLUMNS)
            if by_month:
                target, select = staging, f'SELECT {names}, substr("at", 1, 7) AS month'
                options = "FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'part-{i}'"
            else:
                target, select = staging / "events.parquet", f"SELECT {names}"
                options = "FORMAT parquet"
            quoted = str(target).replace("'", "''")
            con.execute(f"COPY ({select} FROM events) TO '{quoted}' ({options})")
        finally:
            con.close()
        if by_month:
            if path.is_dir():
                path.rmdir()  # empty, checked before
            os.replace(staging, path)
        else:
            os.replace(staging / "events.parquet", path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return count


def _stage_events(con: duckdb.DuckDBPyConnection) -> int:
    columns = ", ".join(f'"{name}" {kind}' for name, kind in PARQUET_COLUMNS.items())
    con.execute(f"CREATE TABLE events ({columns})")
    batch: dict[str, list[Any]] = {name: [] for name in PARQUET_COLUMNS}
    count = 0

    def flush() -> None:
        # A dict of NumPy arrays is scanned by DuckDB in place: 2× faster than INSERT … unnest.
        arrays = {
            name: np.array(values, dtype=np.int64 if name == "seq" else object)
            for name, values in batch.items()
        }
        con.register("batch", arrays)
        con.execute("INSERT INTO events SELECT * FROM batch")
        con.unregister("batch")
        for values in batch.values():
            values.clear()

    for row in _export_rows():
        for name, values in batch.items():
            values.append(_json_text(row[name]) if name == "data" else row[name])
        count += 1
        if count % PARQUET_BATCH == 0:
            flush()
    if count % PARQUET_BATCH:
        flush()
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
