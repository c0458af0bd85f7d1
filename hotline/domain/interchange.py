"""The event interchange format (docs/design.md): parse and validate lines, assemble per-order logs.

Pure: the database side (hotline.workorders.interchange) reads files and writes rows. Every bad
line is reported by its number; callers import nothing when any line is bad.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain.events import EventRecord, OrderSnapshot, apply_event
from hotline.domain.lifecycle import Action, LifecycleError

FIELDS = ("order", "seq", "at", "action", "actor", "unit", "to_unit", "data")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class BadLine(ValueError):
    pass


@dataclass(frozen=True)
class ParsedLine:
    line: int
    order: str
    seq: int | None
    at: datetime
    action: Action
    actor: str
    unit: str
    to_unit: str
    data: dict[str, Any]


def _text(raw: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise BadLine(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a string, got {type(value).__name__}")
    return value


def _seq(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadLine(f"seq must be a positive whole number, got {value!r}")
    return value


def _at(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise BadLine("at is required (ISO 8601 time with offset)")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadLine(f"at {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BadLine(f"at {value!r} has no UTC offset")
    return parsed


def _data(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadLine(f"data is not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise BadLine("data must be a JSON object")
    return value


def parse_line(raw: Any, line: int) -> ParsedLine:
    """Validate one decoded line (a JSON object or a CSV row); raise BadLine naming the field."""
    if not isinstance(raw, dict):
        raise BadLine("each line must be a JSON object")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise BadLine(f"unknown field(s): {', '.join(map(str, unknown))}")
    action = _text(raw, "action", required=True)
    if action not in Action.__members__.values():
        raise BadLine(f"action {action!r} is not one of the lifecycle actions")
    return ParsedLine(
        line=line,
        order=_text(raw, "order", required=True),
        seq=_seq(raw.get("seq")),
        at=_at(raw.get("at")),
        action=Action(action),
        actor=_text(raw, "actor"),
        unit=_text(raw, "unit"),
        to_unit=_text(raw, "to_unit"),
        data=_data(raw.get("data")),
    )


def _with_seqs(lines: list[ParsedLine], start: int) -> list[ParsedLine] | LineError:
    """Give lines without seq numbers in time order (ties keep file order)."""
    given = [p.seq is not None for p in lines]
    if all(given):
        return sorted(lines, key=lambda p: p.seq or 0)
    if any(given):
        first = next(p for p in lines if p.seq is None)
        return LineError(first.line, f"order {first.order}: seq is missing on some lines only")
    ordered = sorted(lines, key=lambda p: p.at)  # sorted() is stable: ties keep file order
    return [
        ParsedLine(p.line, p.order, start + i, p.at, p.action, p.actor, p.unit, p.to_unit, p.data)
        for i, p in enumerate(ordered)
    ]


@dataclass(frozen=True)
class OrderLog:
    """One order's new events and the order as they leave it (only the last snapshot is kept:
    a million-event import must not hold a million snapshots)."""

    records: list[EventRecord]
    final: OrderSnapshot


@dataclass(frozen=True)
class Assembled:
    orders: dict[str, OrderLog]
    errors: list[LineError]


def assemble(lines: Iterable[ParsedLine], existing: Mapping[str, OrderSnapshot]) -> Assembled:
    """Group lines by order and fold each order's events onto what the database already holds."""
    by_order: dict[str, list[ParsedLine]] = {}
    for parsed in lines:
        by_order.setdefault(parsed.order, []).append(parsed)
    orders: dict[str, OrderLog] = {}
    errors: list[LineError] = []
    for order, group in by_order.items():
        snap = existing.get(order)
        sequenced = _with_seqs(group, (snap.version if snap else 0) + 1)
        if isinstance(sequenced, LineError):
            errors.append(sequenced)
            continue
        records: list[EventRecord] = []
        for p in sequenced:
            record = EventRecord(
                p.order, p.seq or 0, p.at, p.action, p.actor, p.unit, p.to_unit, p.data
            )
            try:
                snap = apply_event(snap, record)
            except (LifecycleError, ValueError, TypeError) as exc:
                errors.append(LineError(p.line, f"order {order} seq {p.seq}: {exc}"))
                break
            records.append(record)
        else:
            if snap is not None and records:
                orders[order] = OrderLog(records, snap)
    errors.sort(key=lambda e: e.line)
    return Assembled(orders, errors)
