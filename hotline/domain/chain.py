"""The hash chain every evidential stream uses (work orders, supervision cases).

Each event seals its own fields and its predecessor's hash: SHA-256 over the canonical JSON of
the event's body with ``prev_hash`` added. The first event of a stream links to GENESIS_HASH.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_time(at: datetime) -> str:
    """The time as hashed: UTC with microseconds, so the hash survives a TIME_ZONE change."""
    if at.tzinfo is None:
        raise ValueError("event time must carry a UTC offset")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chained_bytes(body: Mapping[str, Any], prev_hash: str) -> bytes:
    """What :func:`chain_hash` hashes: the body's canonical JSON with ``prev_hash`` in it."""
    return canonical_json({**body, "prev_hash": prev_hash})


def chain_hash(body: Mapping[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(chained_bytes(body, prev_hash)).hexdigest()
