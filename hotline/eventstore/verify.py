"""Walk every registered stream's hash chain, then the evidence sealed into its events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

from hotline.domain.chain import GENESIS_HASH
from hotline.eventstore.streams import Broken, Stream, registered_streams

CHUNK = 5000


@dataclass(frozen=True)
class StreamCount:
    heads: int
    events: int


@dataclass(frozen=True)
class VerifyResult:
    counts: dict[str, StreamCount] = field(default_factory=dict)
    sealed: dict[str, int] = field(default_factory=dict)  # e.g. attachments checked
    broken: Broken | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def events(self) -> int:
        return sum(c.events for c in self.counts.values())

    def summary(self) -> str:
        parts = [f"{c.events} events in {c.heads} {name}s" for name, c in self.counts.items()]
        parts += [f"{n} {name}" for name, n in self.sealed.items()]
        return ", ".join(parts)


def _foreign_key(stream: Stream) -> models.ForeignKey[Any, Any]:
    field = stream.event_model._meta.get_field(stream.head_key)
    assert isinstance(field, models.ForeignKey)
    return field


def _rows(stream: Stream) -> Iterator[tuple[Any, ...]]:
    """Raw rows, cheaper than model instances: the walk must cover a billion events one day."""
    head_table = stream.head_model._meta.db_table
    event_table = stream.event_model._meta.db_table
    key = _foreign_key(stream).column
    columns = "".join(f", e.{c}" for c in stream.hashed_columns)
    sql = (
        f"SELECT h.number, h.version, h.last_hash, e.seq{columns}, e.prev_hash, e.hash"
        f" FROM {event_table} e JOIN {head_table} h ON h.id = e.{key}"
        f" ORDER BY e.{key}, e.seq"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch


def _tail_broken(stream: Stream, last: Any) -> Broken | None:
    """The head row must record the last event walked: its seq as version, its hash as last."""
    number, version, last_hash, seq, digest = last[0], last[1], last[2], last[3], last[-1]
    if version == seq and last_hash == digest:
        return None
    reason = (
        f"the chain ends at seq {seq} but the {stream.name} row records version {version}"
        " (events deleted, appended or the row altered)"
    )
    return Broken(stream.name, number, seq, reason)


def stream_verify(stream: Stream) -> tuple[StreamCount, Broken | None]:
    """Walk one stream; (what was walked, the first broken event or None)."""
    events = heads = 0
    current: str | None = None
    last: Any = None
    prev, expected_seq = GENESIS_HASH, 1
    row_hash, name = stream.row_hash, stream.name
    # Rows are indexed, not unpacked: the loop is generic over the streams' columns and hot.
    for row in _rows(stream):
        number, seq = row[0], row[3]
        if number != current:
            if last is not None and (broken := _tail_broken(stream, last)):
                return StreamCount(heads, events), broken
            current, prev, expected_seq, heads = number, GENESIS_HASH, 1, heads + 1
        if seq != expected_seq:
            reason = f"expected seq {expected_seq} (event missing)"
            return StreamCount(heads, events), Broken(name, number, seq, reason)
        if row[-2] != prev:
            reason = "prev_hash does not match the previous event (reordered, inserted or deleted)"
            return StreamCount(heads, events), Broken(name, number, seq, reason)
        digest = row[-1]
        try:
            matches = row_hash(row, prev) == digest
        except ValueError:
            matches = False
        if not matches:
            reason = "content does not match its hash (the event was changed)"
            return StreamCount(heads, events), Broken(name, number, seq, reason)
        prev, expected_seq, events, last = digest, seq + 1, events + 1, row
    if last is not None and (broken := _tail_broken(stream, last)):
        return StreamCount(heads, events), broken
    manager = stream.head_model._default_manager
    events_of = _foreign_key(stream).related_query_name()
    orphan = manager.filter(**{f"{events_of}__isnull": True})
    first = orphan.values_list("number", flat=True).first()
    if first is not None:
        return StreamCount(heads, events), Broken(name, first, 1, "it has no events left")
    return StreamCount(heads, events), None


def events_verify_all() -> VerifyResult:
    """Every registered stream, then the evidence sealed into their events; stops at the first
    broken place."""
    counts: dict[str, StreamCount] = {}
    sealed: dict[str, int] = {}
    for stream in registered_streams():
        counts[stream.name], broken = stream_verify(stream)
        if broken is not None:
            return VerifyResult(counts, sealed, broken)
    for stream in registered_streams():
        for seal in stream.seals:
            sealed[seal.name], broken = seal.run()
            if broken is not None:
                return VerifyResult(counts, sealed, broken)
    return VerifyResult(counts, sealed, None)
