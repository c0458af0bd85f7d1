"""Attachments (附件): checked before anything is stored, sealed into the event that carries them.

The event's data lists each file's name, type, size and SHA-256, so the hash chain covers them;
``events verify`` then re-reads every stored file and reports one changed or removed on disk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile

from hotline import clock
from hotline.domain.lifecycle import Action, GuardFailed
from hotline.eventstore.streams import Broken
from hotline.workorders.models import Attachment, WorkOrder, WorkOrderEvent

# What a file's first bytes must be for each accepted type, and the names it may carry.
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
    "application/pdf": (b"%PDF-", {".pdf"}),
}
MAX_FILES = 5
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def sealed(self) -> dict[str, Any]:
        return sealed_entry(
            name=self.name,
            content_type=self.content_type,
            size=len(self.content),
            sha256=self.sha256,
        )


def sealed_entry(*, name: str, content_type: str, size: int, sha256: str) -> dict[str, Any]:
    """What the event records of a file, and so what its hash seals."""
    return {"name": name, "content_type": content_type, "size": size, "sha256": sha256}


def attachment_check(*, name: str, content: bytes) -> CheckedFile:
    """The file if it is a PNG, JPEG or PDF within the size limit; GuardFailed naming it if not."""
    limit = int(settings.HOTLINE_ATTACHMENT_MAX_BYTES)
    clean = PurePath(name).name[:200] or "file"
    if not content:
        raise GuardFailed("attachments", f"{clean} is empty")
    if len(content) > limit:
        raise GuardFailed(
            "attachments", f"{clean} is {len(content) / 1e6:.1f} MB; at most {limit / 1e6:.0f} MB"
        )
    suffix = PurePath(clean).suffix.lower()
    for content_type, (magic, suffixes) in SIGNATURES.items():
        if content.startswith(magic):
            if suffix not in suffixes:
                raise GuardFailed("attachments", f"{clean} is a {content_type} named {suffix!r}")
            return CheckedFile(clean, content_type, content)
    raise GuardFailed("attachments", f"{clean} is not a PNG, JPEG or PDF file")


def attachments_check(files: Sequence[tuple[str, bytes]]) -> list[CheckedFile]:
    if len(files) > MAX_FILES:
        raise GuardFailed("attachments", f"at most {MAX_FILES} files per request")
    return [attachment_check(name=name, content=content) for name, content in files]


def attachments_decode(items: Sequence[Mapping[str, Any]]) -> list[CheckedFile]:
    """The API's attachments ({name, content_base64}) decoded and checked."""
    files = []
    for index, item in enumerate(items):
        name = str(item.get("name") or "")
        try:
            content = base64.b64decode(str(item.get("content_base64") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise GuardFailed(
                f"attachments[{index}].content_base64", f"{name or 'file'} is not valid base64"
            ) from None
        files.append((name, content))
    return attachments_check(files)


def attachments_sealed(files: Iterable[CheckedFile]) -> list[dict[str, Any]]:
    return [f.sealed() for f in files]


def attachments_store(
    *, actor: str, order: WorkOrder, seq: int, files: Sequence[CheckedFile]
) -> list[Attachment]:
    """Store checked files against event ``seq``; the service calls it inside the action's
    transaction, after the event that seals them."""
    stored = []
    for f in files:
        digest = f.sha256
        attachment = Attachment(
            order=order,
            seq=seq,
            name=f.name,
            content_type=f.content_type,
            size=len(f.content),
            sha256=digest,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        attachment.file.save(f"{digest}{PurePath(f.name).suffix.lower()}", ContentFile(f.content))
        stored.append(attachment)
    return stored


# -- verification ------------------------------------------------------------------------------


def stored_file_digest(stored: Any) -> str | None:
    """SHA-256 of a stored file (a row with a ``file`` field), or None when it is gone."""
    digest = hashlib.sha256()
    try:
        with stored.file.open("rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, ValueError):
        return None
    return digest.hexdigest()


# The requests a unit may back with files; the action index keeps the scan off other events.
CARRIERS = (Action.REQUEST_RETURN, Action.REQUEST_EXTENSION, Action.REQUEST_CLOSE)


def _sealed_by_event() -> dict[tuple[int, int], list[dict[str, Any]]]:
    events = WorkOrderEvent.objects.filter(action__in=CARRIERS, data__has_key="attachments")
    return {
        (order_id, seq): list(data.get("attachments") or [])
        for order_id, seq, data in events.values_list("order_id", "seq", "data")
    }


def attachments_verify() -> tuple[int, Broken | None]:
    """Every stored attachment against the digest its event sealed and the bytes on disk, and
    every event's sealed files against the rows stored for it.

    Attachments stored before events sealed them (their event has no ``attachments``) are
    checked against their own recorded digest only."""
    sealed = _sealed_by_event()
    stored: dict[tuple[int, int], int] = {}
    checked = 0
    rows = Attachment.objects.select_related("order").order_by("order_id", "seq", "id")
    for attachment in rows.iterator(chunk_size=500):
        key = (attachment.order_id, attachment.seq)
        stored[key] = stored.get(key, 0) + 1
        broken = _attachment_broken(attachment, sealed.get(key))
        if broken is not None:
            return checked, broken
        checked += 1
    for (order_id, seq), entries in sealed.items():
        if stored.get((order_id, seq), 0) != len(entries):
            number = WorkOrder.objects.filter(pk=order_id).values_list("number", flat=True).first()
            reason = (
                f"the event sealed {len(entries)} attachment(s) but "
                f"{stored.get((order_id, seq), 0)} are stored (removed from the database)"
            )
            return checked, Broken("order", str(number), seq, reason)
    return checked, None


def _attachment_broken(
    attachment: Attachment, entries: list[dict[str, Any]] | None
) -> Broken | None:
    number, seq = attachment.order.number, attachment.seq
    record = sealed_entry(
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
    )
    if entries is not None and record not in entries:
        reason = f"attachment {attachment.name} does not match what its event sealed"
        return Broken("order", number, seq, reason)
    found = stored_file_digest(attachment)
    if found is None:
        reason = f"attachment {attachment.name} is missing on disk ({attachment.file.name})"
        return Broken("order", number, seq, reason)
    if found != attachment.sha256:
        reason = f"attachment {attachment.name} was changed on disk (SHA-256 differs)"
        return Broken("order", number, seq, reason)
    return None
