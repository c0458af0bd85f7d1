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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from hotline.domain.events import GENESIS_HASH, EventRecord, event_hash
from hotline.domain.interchange import (
    FIELDS,
    BadLine,
    LineError,
    OrderLog,
    ParsedLine,
    assemble,
    parse_line,
)
from hotline.domain.lifecycle import Action
from hotline.workorders.models import WorkOrder, WorkOrderEvent

CHUNK = 5000


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"{path}: unknown format {suffix!r}; use .jsonl or .csv")


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
    kind = _format(path)
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
    kind = _format(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if kind == "jsonl":
            yield from _read_jsonl(handle)
        else:
            yield from _read_csv(handle)


def _read_jsonl(handle: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})")


def _read_csv(handle: IO[str]) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    missing = [f for f in ("order", "at", "action") if f not in header]
    if missing:
        yield 1, BadLine(f"CSV header lacks column(s): {', '.join(missing)}")
        return
    for row in reader:
        if None in row:
            yield reader.line_num, BadLine("more values than header columns")
            continue
        yield reader.line_num, row


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
        if isinstance(raw, BadLine):
            errors.append(LineError(number, str(raw)))
            continue
        try:
            parsed.append(parse_line(raw, number))
        except BadLine as exc:
            errors.append(LineError(number, str(exc)))
    with transaction.atomic():
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
    """Chain the hashes first (they do not depend on row ids), then write rows and events."""
    existing = set(rows)
    links: list[tuple[str, EventRecord, str, str]] = []
    for number, log in orders.items():
        row = rows.setdefault(number, WorkOrder(number=number))
        prev = row.last_hash or GENESIS_HASH
        for record in log.records:
            digest = event_hash(record, prev)
            links.append((number, record, prev, digest))
            prev = digest
        row.set_snapshot(log.final)
        row.last_hash = prev
    # Both backends return new primary keys from bulk_create (RETURNING).
    WorkOrder.objects.bulk_create([rows[n] for n in orders if n not in existing], batch_size=1000)
    for number in existing & orders.keys():
        rows[number].save()
    count = 0
    for start in range(0, len(links), CHUNK):
        batch = [
            WorkOrderEvent.from_record(
                record, order_id=rows[number].pk, prev_hash=prev, hash=digest
            )
            for number, record, prev, digest in links[start : start + CHUNK]
        ]
        count += len(WorkOrderEvent.objects.bulk_create(batch))
    return count


# -- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    order: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"order {self.order} seq {self.seq}: {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    events: int
    orders: int
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _chain_rows() -> Iterator[tuple[Any, ...]]:
    """Raw rows, cheaper than model instances: the walk must cover a billion events one day."""
    sql = (
        "SELECT o.number, o.version, o.last_hash, e.seq, e.at, e.action, e.actor, e.unit,"
        " e.to_unit, e.data, e.prev_hash, e.hash"
        " FROM workorders_workorderevent e JOIN workorders_workorder o ON o.id = e.order_id"
        " ORDER BY e.order_id, e.seq"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def _as_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_data(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _check_tail(number: str, version: int, last_hash: str, seq: int, digest: str) -> Broken | None:
    if seq != version or digest != last_hash:
        return Broken(
            number,
            seq,
            f"the chain ends at seq {seq} but the order row records version {version}"
            " (events deleted, appended or the row altered)",
        )
    return None


_ACTIONS = frozenset(a.value for a in Action)


def _hash_of(
    number: str,
    seq: int,
    at: Any,
    action: str,
    actor: str,
    unit: str,
    to_unit: str,
    data: Any,
    prev: str,
) -> str:
    record = EventRecord(
        number, seq, _as_time(at), Action(action), actor, unit, to_unit, _as_data(data)
    )
    return event_hash(record, prev)


def events_verify() -> VerifyResult:
    """Walk every order's chain; return the first broken event, if any."""
    events = orders = 0
    current: str | None = None
    tail: tuple[str, int, str, int, str] | None = None
    prev = GENESIS_HASH
    expected_seq = 1
    for (
        number,
        version,
        last_hash,
        seq,
        at,
        action,
        actor,
        unit,
        to_unit,
        data,
        p,
        h,
    ) in _chain_rows():
        if number != current:
            if tail and (broken := _check_tail(*tail)):
                return VerifyResult(events, orders, broken)
            current, prev, expected_seq, orders = number, GENESIS_HASH, 1, orders + 1
        if seq != expected_seq:
            return VerifyResult(
                events, orders, Broken(number, seq, f"expected seq {expected_seq} (event missing)")
            )
        if p != prev:
            reason = "prev_hash does not match the previous event (reordered, inserted or deleted)"
            return VerifyResult(events, orders, Broken(number, seq, reason))
        if (
            action not in _ACTIONS
            or _hash_of(number, seq, at, action, actor, unit, to_unit, data, prev) != h
        ):
            reason = "content does not match its hash (the event was changed)"
            return VerifyResult(events, orders, Broken(number, seq, reason))
        prev, expected_seq, events = h, seq + 1, events + 1
        tail = (number, version, last_hash, seq, h)
    if tail and (broken := _check_tail(*tail)):
        return VerifyResult(events, orders, broken)
    orphan = WorkOrder.objects.filter(events__isnull=True).values_list("number", "version").first()
    if orphan:
        return VerifyResult(events, orders, Broken(orphan[0], 1, "the order has no events left"))
    return VerifyResult(events, orders, None)
