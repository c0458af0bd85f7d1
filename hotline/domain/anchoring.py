"""存证锚点 (anchors): a signed checkpoint of every stream's head, kept outside the system.

Each stream's chain proves that its own events were not changed, but someone with database access
could delete a whole order (its row and all its events) or cut its last events and leave a chain
that verifies. A checkpoint records, for every stream key (order or case number), the last seq and
last hash; a Merkle root (RFC 9162, :mod:`hotline.domain.merkle`) over those heads; the time; and
an Ed25519 signature of the center's key over everything else. Whoever keeps the file (纪委, an
auditor) can later check that every anchored chain still exists and still extends its head.

The file is JSON. The signature covers the canonical JSON (:func:`hotline.domain.chain.
canonical_json`: sorted keys, no spaces, UTF-8) of the document without its ``signature`` member.
Leaves are ``stream NUL number NUL seq NUL hash`` (UTF-8, seq in decimal), sorted by (stream,
number).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hotline.domain.chain import canonical_json, canonical_time
from hotline.domain.inputs import InputError
from hotline.domain.merkle import merkle_root

FORMAT = "hotline-anchor/1"
TREE = "RFC 9162 Merkle Tree Hash (SHA-256)"
LEAF = "UTF-8 of stream NUL number NUL seq NUL hash, sorted by (stream, number)"
SIGNATURE = "Ed25519 over the canonical JSON of the document without 'signature'"
_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_KEY_CHARS = 200


@dataclass(frozen=True)
class Head:
    """Where one stream key's chain stood: its last event's seq and hash."""

    stream: str
    number: str
    seq: int
    hash: str

    def leaf(self) -> bytes:
        return "\0".join((self.stream, self.number, str(self.seq), self.hash)).encode()


def heads_sorted(heads: Iterable[Head]) -> list[Head]:
    return sorted(heads, key=lambda h: (h.stream, h.number))


def heads_root(heads: Iterable[Head]) -> str:
    """The hex Merkle root over the heads in canonical order."""
    return merkle_root([h.leaf() for h in heads_sorted(heads)]).hex()


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key, base64: short enough to read out over the phone."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_parse(text: str, *, source: str | None = None) -> Ed25519PublicKey:
    """A public key as :func:`public_key_text` writes it, or a PEM public key."""
    from cryptography.hazmat.primitives import serialization

    stripped = text.strip()
    try:
        if stripped.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(stripped.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise InputError("not an Ed25519 public key", source=source)
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(stripped, validate=True))
    except (ValueError, binascii.Error, TypeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError("not an Ed25519 public key", source=source) from None


def _signed_bytes(document: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in document.items() if k != "signature"})


def checkpoint_build(
    *, heads: Iterable[Head], at: datetime, key: Ed25519PrivateKey, streams: Sequence[str]
) -> dict[str, Any]:
    """The signed checkpoint document (a JSON object) over ``heads``, made at ``at``.

    ``streams`` names every stream anchored, so a stream with no keys yet is still listed.
    """
    ordered = heads_sorted(heads)
    by_stream: dict[str, list[list[Any]]] = {name: [] for name in sorted(streams)}
    for head in ordered:
        by_stream.setdefault(head.stream, []).append([head.number, head.seq, head.hash])
    document: dict[str, Any] = {
        "format": FORMAT,
        "created_at": canonical_time(at),
        "tree": TREE,
        "leaf": LEAF,
        "signature_algorithm": SIGNATURE,
        "public_key": public_key_text(key.public_key()),
        "counts": {name: len(rows) for name, rows in by_stream.items()},
        "root": merkle_root([h.leaf() for h in ordered]).hex(),
        "heads": by_stream,
    }
    document["signature"] = base64.b64encode(key.sign(_signed_bytes(document))).decode()
    return document


def checkpoint_text(document: Mapping[str, Any]) -> str:
    """The file's text: indented for people, one head per line (the signature does not depend
    on the layout)."""
    rest = {k: v for k, v in document.items() if k != "heads"}
    streams = []
    for name, rows in document["heads"].items():
        body = ",\n".join(f"  {json.dumps(row, ensure_ascii=False)}" for row in rows)
        streams.append(
            f"  {json.dumps(name)}: [\n{body}\n  ]" if rows else f"  {json.dumps(name)}: []"
        )
    head = json.dumps(rest, ensure_ascii=False, indent=1)[: -len("\n}")]
    return head + ',\n "heads": {\n' + ",\n".join(streams) + "\n }\n}\n"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint file read back: its heads, and whether it is what the key signed."""

    document: dict[str, Any]
    heads: list[Head]
    created_at: datetime
    root: str
    signature_ok: bool
    root_ok: bool

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.document["counts"])


def _heads(value: Any, *, source: str | None) -> list[Head]:
    if not isinstance(value, dict):
        raise InputError(
            "must be an object of stream → [[number, seq, hash], …]", source=source, field="heads"
        )
    heads = []
    for stream, rows in value.items():
        if not isinstance(rows, list):
            raise InputError("must be a list", source=source, field=f"heads.{stream}")
        for i, row in enumerate(rows):
            where = f"heads.{stream}[{i}]"
            if not (
                isinstance(row, list)
                and len(row) == 3
                and isinstance(row[0], str)
                and 0 < len(row[0]) <= MAX_KEY_CHARS
                and "\0" not in row[0]
                and isinstance(row[1], int)
                and not isinstance(row[1], bool)
                and row[1] >= 1
                and isinstance(row[2], str)
                and _HEX64.fullmatch(row[2])
            ):
                raise InputError(
                    "must be [number, seq ≥ 1, 64 hex digits]", source=source, field=where
                )
            heads.append(Head(stream, row[0], row[1], row[2]))
    return heads


def checkpoint_read(
    text: str, *, source: str | None = None, public_key: Ed25519PublicKey | None = None
) -> Checkpoint:
    """Parse a checkpoint and check it: the signature (with ``public_key`` when given, else the
    key the file names) and the root recomputed from its heads. A malformed file is an
    InputError; a well-formed one whose signature or root fails comes back with the flag off."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg})", source=source, line=exc.lineno) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"not a {FORMAT} checkpoint", source=source, field="format")
    for name, kind in (
        ("created_at", str),
        ("public_key", str),
        ("root", str),
        ("signature", str),
        ("counts", dict),
    ):
        if not isinstance(document.get(name), kind):
            raise InputError("missing or of the wrong type", source=source, field=name)
    heads = _heads(document.get("heads"), source=source)
    try:
        created_at = datetime.fromisoformat(document["created_at"])
    except ValueError:
        raise InputError("not an ISO 8601 time", source=source, field="created_at") from None
    if created_at.tzinfo is None:
        raise InputError("must carry a UTC offset", source=source, field="created_at")
    key = public_key or public_key_parse(document["public_key"], source=source)
    try:
        key.verify(base64.b64decode(document["signature"], validate=True), _signed_bytes(document))
        signature_ok = True
    except (InvalidSignature, ValueError, binascii.Error):
        signature_ok = False
    return Checkpoint(
        document=document,
        heads=heads,
        created_at=created_at,
        root=document["root"],
        signature_ok=signature_ok,
        root_ok=heads_root(heads) == document["root"],
    )


class Drift(StrEnum):
    """How a stream key no longer extends its anchored head."""

    MISSING = "missing"  # the order or case is gone (row, events or both)
    SHORTENED = "shortened"  # fewer events than anchored
    REWRITTEN = "rewritten"  # the event at the anchored seq has another hash


DRIFT_NAMES = {Drift.MISSING: "已删除", Drift.SHORTENED: "被截短", Drift.REWRITTEN: "被改写"}


@dataclass(frozen=True)
class Now:
    """What the database holds now for an anchored key whose row still exists: how many events
    its chain has (its highest seq), and the hash of the event at the anchored seq (None if there
    is none)."""

    events: int
    hash_at_seq: str | None


@dataclass(frozen=True)
class Finding:
    head: Head
    drift: Drift
    detail: str

    def __str__(self) -> str:
        return f"{self.head.stream} {self.head.number}: {self.drift} ({self.detail})"


def heads_compare(anchored: Iterable[Head], now: Mapping[tuple[str, str], Now]) -> list[Finding]:
    """Each anchored head the database no longer extends, in canonical order."""
    findings = []
    for head in heads_sorted(anchored):
        state = now.get((head.stream, head.number))
        if state is None or state.events == 0:
            gone = "its row is gone" if state is None else "no events are left"
            findings.append(Finding(head, Drift.MISSING, f"anchored at seq {head.seq}, {gone}"))
        elif state.hash_at_seq is None:
            detail = f"{state.events} event(s) now, {head.seq} anchored"
            findings.append(Finding(head, Drift.SHORTENED, detail))
        elif state.hash_at_seq != head.hash:
            detail = (
                f"event {head.seq} hashes {state.hash_at_seq[:12]}…, anchored {head.hash[:12]}…"
            )
            findings.append(Finding(head, Drift.REWRITTEN, detail))
    return findings
