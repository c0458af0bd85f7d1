"""The event interchange format (docs/design.md): parse and validate lines, assemble per-order logs.

Pure: the database side (hotline.workorders.interchange) reads files and writes rows. Every bad
line is reported by its number and the field at fault; callers import nothing when any line is
bad. Each event's data is held to the API's limits for its action (hotline.domain.limits).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain import limits
from hotline.domain.events import EventRecord, OrderSnapshot, apply_event
from hotline.domain.inputs import MAX_JSON_DEPTH, InputError
from hotline.domain.lifecycle import Action, LifecycleError

FIELDS = ("order", "seq", "at", "action", "actor", "unit", "to_unit", "data")
_ACTIONS = frozenset(a.value for a in Action)
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class LineError:
    """One bad line: its number, the field at fault (when one is) and what is wrong."""

    line: int
    message: str
    field: str = ""

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"line {self.line}: {field}{self.message}"

    @classmethod
    def of(cls, line: int, error: InputError) -> LineError:
        return cls(line, error.message, error.field or "")


class BadLine(InputError):
    """A line that cannot be an event; ``field`` names the culprit."""


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


def _text(raw: Mapping[str, Any], name: str, *, limit: int, required: bool = False) -> str:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise BadLine("is required", field=name)
        return ""
    try:
        limits.check(limits.Text(limit), value, field=name)
    except InputError as exc:
        raise BadLine(exc.message, field=name) from None
    return str(value)


def _order(raw: Mapping[str, Any]) -> str:
    number = _text(raw, "order", limit=limits.ORDER_NUMBER_MAX, required=True)
    if not re.fullmatch(limits.ORDER_NUMBER_PATTERN, number):
        raise BadLine(
            f"{number[:40]!r} is not an order number (letters, digits and . _ : -)", field="order"
        )
    return number


def _seq(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limits.SEQ_MAX:
        shown = repr(value)[:40]
        raise BadLine(
            f"must be a whole number from 1 to {limits.SEQ_MAX}, got {shown}", field="seq"
        )
    return value


def _at(value: Any) -> datetime:
    if value is None or value == "":
        raise BadLine("is required (ISO 8601 time with offset)", field="at")
    try:
        return limits.moment(value, field="at")
    except InputError as exc:
        raise BadLine(exc.message, field="at") from None


def decode_json(text: str, *, field: str | None = None) -> Any:
    """JSON text, or a BadLine saying where it breaks (deep nesting included: the decoder
    recurses, and a hostile line must not exhaust the stack)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})", field=field) from None
    except ValueError as exc:  # a number of more than 4,300 digits
        raise BadLine(f"not valid JSON ({str(exc)[:80]})", field=field) from None
    except RecursionError:
        raise BadLine(f"JSON nests deeper than {MAX_JSON_DEPTH} levels", field=field) from None


def _data(value: Any, action: Action) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        value = decode_json(value, field="data")
    if not isinstance(value, dict):
        raise BadLine("must be a JSON object", field="data")
    try:
        limits.check_event_data(action, value)
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except InputError as exc:
        raise BadLine(exc.message, field=exc.field) from None
    except ValueError:  # NaN or infinity under a field the check let through
        raise BadLine("numbers must be finite", field="data") from None
    if size > limits.EVENT_DATA_MAX_CHARS:
        raise BadLine(
            f"is {size:,} characters of JSON; at most {limits.EVENT_DATA_MAX_CHARS:,}",
            field="data",
        )
    return value


def parse_line(raw: Any, line: int) -> ParsedLine:
    """Validate one decoded line (a JSON object or a CSV row); raise BadLine naming the field."""
    if not isinstance(raw, dict):
        raise BadLine("each line must be a JSON object")
    unknown = sorted(str(key) for key in set(raw) - set(FIELDS))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise BadLine(f"unknown field(s): {shown}", field=unknown[0][:40])
    action = _text(raw, "action", limit=32, required=True)
    if action not in _ACTIONS:
        raise BadLine(f"action {action[:40]!r} is not one of the lifecycle actions", field="action")
    return ParsedLine(
        line=line,
        order=_order(raw),
        seq=_seq(raw.get("seq")),
        at=_at(raw.get("at")),
        action=Action(action),
        actor=_text(raw, "actor", limit=limits.ACTOR_MAX),
        unit=_text(raw, "unit", limit=limits.CODE_MAX),
        to_unit=_text(raw, "to_unit", limit=limits.CODE_MAX),
        data=_data(raw.get("data"), Action(action)),
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
            except (LifecycleError, ValueError, TypeError, OverflowError) as exc:
                errors.append(LineError(p.line, f"order {order} seq {p.seq}: {exc}"))
                break
            records.append(record)
        else:
            if snap is not None and records:
                orders[order] = OrderLog(records, snap)
    errors.sort(key=lambda e: e.line)
    return Assembled(orders, errors)
