"""What the store needs to know of a stream, and the registry that ``events verify`` walks."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Broken:
    """The first place a stream's evidence no longer matches its hashes."""

    stream: str
    number: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.stream} {self.number} seq {self.seq}: {self.reason}"


@dataclass(frozen=True)
class SealCheck:
    """Evidence kept beside a stream's events (attachments' files) whose digests the events hold:
    ``run`` returns (how many were checked, the first broken one)."""

    name: str
    run: Callable[[], tuple[int, Broken | None]]


@dataclass(frozen=True)
class Stream:
    """One evidential stream.

    ``head_model`` has ``number``, ``version`` and ``last_hash``; ``event_model`` has a foreign key
    ``head_key`` to it, ``seq``, ``prev_hash`` and ``hash``. ``record_hash`` hashes a domain record
    onto the previous hash; ``row_hash`` does the same from a raw row as verify reads it —
    (number, version, last_hash, seq, *hashed_columns, prev_hash, hash) — and raises ValueError
    for content no record could have.
    """

    name: str
    head_model: type[models.Model]
    event_model: type[models.Model]
    head_key: str
    event_row: Callable[[Any, int, str, str], models.Model]
    record_hash: Callable[[Any, str], str]
    hashed_columns: tuple[str, ...]
    row_hash: Callable[[Sequence[Any], str], str]
    seals: tuple[SealCheck, ...] = ()
    append_only: tuple[str, ...] = ()  # further tables the triggers guard (sealed evidence)


_registry: dict[str, Stream] = {}


def stream_register(stream: Stream) -> None:
    """Called from an app's ``ready()``: ``events verify`` walks every registered stream."""
    _registry[stream.name] = stream


def registered_streams() -> list[Stream]:
    return list(_registry.values())


def stored_time(value: Any) -> datetime:
    """A time column as the database hands it back (SQLite: text, maybe naive UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stored_json(value: Any) -> Any:
    """A JSON column as the database hands it back (text on SQLite, decoded on PostgreSQL)."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value
