"""存证锚点: sign a checkpoint of every registered stream's head, store it, and check the
database against one (the document and the comparison are :mod:`hotline.domain.anchoring`).

The center's Ed25519 key is a PEM file named by the setting ``HOTLINE_ANCHOR_KEY``. Each anchor
is kept in the append-only ``Anchor`` table and written to ``HOTLINE_ANCHOR_DIR``; the server
writes one a day (:func:`anchor_daily_in_background`), ``hotline events anchor`` any time.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from hotline import clock
from hotline.background import run_in_background
from hotline.domain.anchoring import (
    Checkpoint,
    Finding,
    Head,
    Now,
    checkpoint_build,
    checkpoint_read,
    checkpoint_text,
    heads_compare,
    public_key_parse,
    public_key_text,
)
from hotline.domain.inputs import InputError, input_file, output_file
from hotline.eventstore.files import file_beside
from hotline.eventstore.models import Anchor
from hotline.eventstore.streams import Stream, registered_streams

log = logging.getLogger(__name__)

BATCH = 500  # keys per IN (…) query: well under both databases' parameter limits
MAX_ANCHOR_FILE_BYTES = 1 << 30
DAILY_CHECK_SECONDS = 600.0


# -- the key ------------------------------------------------------------------------------------


def anchor_key_create(path: str | Path) -> str:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``path``, which must not exist yet,
    and its public key to ``path.pub``; returns the public key (base64)."""
    target = output_file(path)
    if target.exists():
        raise InputError("already exists; a signing key is never overwritten", source=target)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: a key file that appeared meanwhile is not replaced; 0600 from the first byte.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = public_key_text(key.public_key())
    # The public half beside it, for whoever verifies anchors (`verify --public-key`).
    Path(f"{target}.pub").write_text(public + "\n", encoding="utf-8")
    return public


def anchor_key_configured() -> Path | None:
    value = getattr(settings, "HOTLINE_ANCHOR_KEY", "")
    return Path(value) if value else None


def anchor_key_load(path: str | Path | None = None) -> Ed25519PrivateKey:
    """The signing key from ``path`` or the setting, or an InputError saying what is wrong."""
    chosen = Path(path) if path else anchor_key_configured()
    if chosen is None:
        raise InputError(
            "no anchor signing key configured: set HOTLINE_ANCHOR_KEY to a PEM file"
            " (make one with `hotline events anchor-key --out FILE`)"
        )
    source = input_file(chosen)
    try:
        key = serialization.load_pem_private_key(source.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise InputError("not an unencrypted PEM private key", source=source) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("not an Ed25519 private key", source=source)
    return key


def public_key_load(path: str | Path) -> Ed25519PublicKey:
    """A public key file: the base64 line ``anchor-key`` prints, or PEM."""
    source = input_file(path)
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not a public key (not text)", source=source) from None
    return public_key_parse(text, source=str(source))


# -- making an anchor ---------------------------------------------------------------------------


def _heads(stream: Stream) -> Iterator[Head]:
    table = stream.head_model._meta.db_table
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT number, version, last_hash FROM {table} WHERE version > 0")
        while batch := cursor.fetchmany(5000):
            for number, version, last_hash in batch:
                yield Head(stream.name, number, version, last_hash)


def heads_now() -> list[Head]:
    """Every registered stream's keys with their last seq and hash, as the head rows record
    them (a row and its events move in one transaction, so each row is a committed head)."""
    return [head for stream in registered_streams() for head in _heads(stream)]


def _write_atomically(target: Path, text: str) -> None:
    """Whole or not at all: a reader never sees half a checkpoint."""
    with file_beside(target, mode=0o644) as tmp:  # an anchor is meant to be handed out
        tmp.write_text(text, encoding="utf-8")


def anchor_file_name(at: datetime) -> str:
    return f"anchor-{timezone.localtime(at):%Y%m%d-%H%M%S}.json"


def anchor_make(
    *, made_by: str, out: str | Path | None = None, key: Ed25519PrivateKey | None = None
) -> Anchor:
    """Sign a checkpoint of the heads now, keep it (table and anchor folder), and write it to
    ``out`` too when given. Refuses, before reading anything, without a key or with an ``out``
    that cannot be a file."""
    target = output_file(out) if out is not None else None
    signing = key or anchor_key_load()
    at = clock.now()
    document = checkpoint_build(
        heads=heads_now(),
        at=at,
        key=signing,
        streams=[stream.name for stream in registered_streams()],
    )
    text = checkpoint_text(document)
    anchor = Anchor.objects.create(
        created_at=at,
        root=document["root"],
        public_key=document["public_key"],
        counts=document["counts"],
        made_by=made_by,
        document_gz=gzip.compress(text.encode("utf-8"), mtime=0),
    )
    folder = Path(settings.HOTLINE_ANCHOR_DIR)
    _write_atomically(folder / anchor_file_name(at), text)
    if target is not None:
        _write_atomically(target, text)
    return anchor


# -- checking the database against an anchor ---------------------------------------------------


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _stream_now(stream: Stream, heads: Sequence[Head]) -> dict[tuple[str, str], Now]:
    """What the database holds now for the anchored keys of one stream; keys whose row is gone
    are left out."""
    head_table = stream.head_model._meta.db_table
    event_table = stream.event_model._meta.db_table
    field = stream.event_model._meta.get_field(stream.head_key)
    assert isinstance(field, models.ForeignKey)
    key = field.column
    now: dict[tuple[str, str], Now] = {}
    with connection.cursor() as cursor:
        for batch in _chunks(heads):
            numbers = [h.number for h in batch]
            cursor.execute(
                f"SELECT number, id FROM {head_table}"
                f" WHERE number IN ({_placeholders(len(numbers))})",
                numbers,
            )
            ids = dict(cursor.fetchall())
            if not ids:
                continue
            row_ids = list(ids.values())
            seqs = sorted({h.seq for h in batch})
            # Key IN … AND seq IN … may return a few rows too many; the lookup below keeps the
            # anchored (key, seq) pairs only. Both columns are indexed (one_event_per_seq).
            cursor.execute(
                f"SELECT {key}, seq, hash FROM {event_table}"
                f" WHERE {key} IN ({_placeholders(len(row_ids))})"
                f" AND seq IN ({_placeholders(len(seqs))})",
                [*row_ids, *seqs],
            )
            found = {(row_id, seq): digest for row_id, seq, digest in cursor.fetchall()}
            cursor.execute(
                f"SELECT {key}, MAX(seq) FROM {event_table}"
                f" WHERE {key} IN ({_placeholders(len(row_ids))}) GROUP BY {key}",
                row_ids,
            )
            events = dict(cursor.fetchall())
            for head in batch:
                row_id = ids.get(head.number)
                if row_id is not None:
                    now[(head.stream, head.number)] = Now(
                        events=int(events.get(row_id) or 0),
                        hash_at_seq=found.get((row_id, head.seq)),
                    )
    return now


@dataclass(frozen=True)
class AnchorCheck:
    checkpoint: Checkpoint
    findings: list[Finding]
    unknown_streams: list[str]  # anchored streams this installation does not have

    @property
    def ok(self) -> bool:
        return (
            self.checkpoint.signature_ok
            and self.checkpoint.root_ok
            and not self.findings
            and not self.unknown_streams
        )


def anchor_read(path: str | Path, *, public_key: Ed25519PublicKey | None = None) -> Checkpoint:
    source = input_file(path)
    if source.stat().st_size > MAX_ANCHOR_FILE_BYTES:
        raise InputError(f"larger than {MAX_ANCHOR_FILE_BYTES:,} bytes", source=source)
    try:
        text = source.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", source=source) from None
    return checkpoint_read(text, source=str(source), public_key=public_key)


def anchor_check(checkpoint: Checkpoint) -> AnchorCheck:
    """Every anchored key the database no longer extends: missing, shortened or rewritten. The
    comparison runs only on a checkpoint whose signature and root hold (a forged file's heads
    mean nothing)."""
    if not (checkpoint.signature_ok and checkpoint.root_ok):
        return AnchorCheck(checkpoint, [], [])
    streams = {stream.name: stream for stream in registered_streams()}
    by_stream: dict[str, list[Head]] = {}
    for head in checkpoint.heads:
        by_stream.setdefault(head.stream, []).append(head)
    unknown = sorted(name for name in by_stream if name not in streams)
    now: dict[tuple[str, str], Now] = {}
    for name, heads in by_stream.items():
        if name in streams:
            now.update(_stream_now(streams[name], heads))
    known = [h for h in checkpoint.heads if h.stream in streams]
    return AnchorCheck(checkpoint, heads_compare(known, now), unknown)


# -- the daily anchor ---------------------------------------------------------------------------


def anchor_daily() -> Anchor | None:
    """Write today's anchor if a key is configured and none was written in the last day."""
    if anchor_key_configured() is None:
        return None
    since = clock.now() - timedelta(days=1)
    if Anchor.objects.filter(created_at__gt=since).exists():
        return None
    anchor = anchor_make(made_by="daily")
    log.info("anchor %s written: root %s", anchor.pk, anchor.root)
    return anchor


def _daily_forever(*, every: float, stop: threading.Event) -> None:
    while True:
        try:
            anchor_daily()
        except Exception:  # a full disk or a bad key must not end the loop: retry later
            log.exception("writing the daily anchor failed; retrying in %.0f s", every)
        finally:
            connection.close()
        if stop.wait(every):
            return


def anchor_daily_in_background(
    *, every: float = DAILY_CHECK_SECONDS, stop: threading.Event | None = None
) -> threading.Thread | None:
    """Start the daily-anchor thread (a daemon) when a signing key is configured."""
    if anchor_key_configured() is None:
        return None
    return run_in_background(
        "daily-anchor",
        lambda: _daily_forever(every=every, stop=stop or threading.Event()),
        failure="the daily-anchor thread stopped; run `hotline events anchor` meanwhile",
    )
