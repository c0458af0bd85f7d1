"""Append hash-chained events and move the stream's head: the only code that writes event rows.

Callers lock the head (``select_for_update`` inside :func:`write_transaction`), decide with the
domain what happens, set the head's projected fields, and hand the new records here. The head
moves by compare-and-swap on its version, so a writer that slipped past the lock loses loudly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from hotline.domain.chain import GENESIS_HASH
from hotline.domain.lifecycle import LifecycleError
from hotline.eventstore.streams import Stream

CHUNK = 5000


class VersionConflict(LifecycleError):
    """Someone else changed the head first (409): reload and try again."""

    code = "conflict"


_sqlite_writer = threading.RLock()


@contextmanager
def write_transaction() -> Iterator[None]:
    """One transaction for one change (or for several that must land together).

    SQLite allows one writer at a time; threads of this process queue on a lock here instead of
    sleeping in SQLite's busy-retry loop, which answers late (hundreds of ms) under load.
    """
    lock = _sqlite_writer if connection.vendor == "sqlite" else nullcontext()
    with lock, transaction.atomic():
        yield


def _chain(stream: Stream, head: Any, records: Sequence[Any]) -> list[tuple[Any, str, str]]:
    """(record, prev hash, hash) for each record, linked onto the head's last hash."""
    expected = records[0].seq
    prev = head.last_hash or GENESIS_HASH
    links = []
    for record in records:
        if record.seq != expected:
            raise ValueError(f"{stream.name} {head.number}: seq {record.seq}, expected {expected}")
        digest = stream.record_hash(record, prev)
        links.append((record, prev, digest))
        prev, expected = digest, expected + 1
    return links


def stream_append(
    stream: Stream, *, head: Any, records: Sequence[Any], fields: Iterable[str] = ()
) -> list[models.Model]:
    """Append ``records`` to ``head``'s stream inside the caller's write transaction.

    A head without a primary key is inserted with the records; an existing one is updated
    (``fields`` as the caller set them, with version and last_hash) only if its stored version is
    still the one before the first record. Returns the event rows written.
    """
    if not records:
        return []
    before = records[0].seq - 1
    links = _chain(stream, head, records)
    head.version, head.last_hash = links[-1][0].seq, links[-1][2]
    if head.pk is None:
        head.save(force_insert=True)
    else:
        values = {name: getattr(head, name) for name in fields}
        values.update(version=head.version, last_hash=head.last_hash)
        moved = stream.head_model._default_manager.filter(pk=head.pk, version=before).update(
            **values
        )
        if moved != 1:
            raise VersionConflict(
                f"{stream.name} {head.number} was changed by someone else; reload it"
            )
    events = [stream.event_row(record, head.pk, prev, digest) for record, prev, digest in links]
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        stream.event_model._default_manager.bulk_create(events, batch_size=CHUNK)
    return events


def stream_append_many(
    stream: Stream, *, batches: Sequence[tuple[Any, Sequence[Any]]], fields: Iterable[str]
) -> int:
    """Bulk append for imports: each (head, records) is chained as :func:`stream_append` would;
    new heads are inserted together, existing ones (locked by the caller) updated. Returns the
    number of events written."""
    names = list(fields)
    links: list[tuple[Any, Any, str, str]] = []
    for head, records in batches:
        if not records:
            continue
        chained = _chain(stream, head, records)
        head.version, head.last_hash = chained[-1][0].seq, chained[-1][2]
        links.extend((head, record, prev, digest) for record, prev, digest in chained)
    manager = stream.head_model._default_manager
    existing = [head for head, _ in batches if head.pk is not None]
    # Both backends return new primary keys from bulk_create (RETURNING).
    manager.bulk_create([head for head, _ in batches if head.pk is None], batch_size=1000)
    for head in existing:
        values = {name: getattr(head, name) for name in names}
        values.update(version=head.version, last_hash=head.last_hash)
        manager.filter(pk=head.pk).update(**values)
    count = 0
    for start in range(0, len(links), CHUNK):
        batch = [
            stream.event_row(record, head.pk, prev, digest)
            for head, record, prev, digest in links[start : start + CHUNK]
        ]
        count += len(stream.event_model._default_manager.bulk_create(batch))
    return count


def counter_next_of_day(model: type[models.Model], *, at: datetime) -> tuple[str, int]:
    """(the local day of ``at`` as YYYYMMDD, the next number of that day) from a daily counter
    model (``day``, ``last``): one atomic UPDATE … RETURNING on both databases, so concurrent
    writers never get the same number (unlike ``count() + 1``)."""
    day = timezone.localtime(at).strftime("%Y%m%d")
    table = model._meta.db_table
    bump = f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(bump, [day])
        row = cursor.fetchone()
        if row is None:  # the first number of the day
            model._default_manager.get_or_create(day=day)
            cursor.execute(bump, [day])
            row = cursor.fetchone()
    return day, int(row[0])
