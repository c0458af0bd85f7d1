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


def sealed_digest(sealed: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an event's fields that already include ``prev_hash``
    (the hot path of ``events verify`` builds that mapping once, with no copy)."""
    return hashlib.sha256(canonical_json(sealed)).hexdigest()


def chain_hash(body: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of an event with fields ``body`` following ``prev_hash``."""
    return sealed_digest({**body, "prev_hash": prev_hash})
