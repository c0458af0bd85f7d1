"""Attachments (附件): checked before anything is stored, stored with the action they belong to."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile

from hotline import clock
from hotline.accounts.models import User
from hotline.domain.lifecycle import GuardFailed
from hotline.workorders.models import Attachment, WorkOrder

# What a file's first bytes must be for each accepted type, and the names it may carry.
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
    "application/pdf": (b"%PDF-", {".pdf"}),
}
MAX_FILES = 5


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes


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


def attachments_store(
    *, actor: User, order: WorkOrder, seq: int, files: Sequence[CheckedFile]
) -> list[Attachment]:
    """Store checked files against event ``seq``; call inside the action's transaction."""
    stored = []
    for f in files:
        digest = hashlib.sha256(f.content).hexdigest()
        attachment = Attachment(
            order=order,
            seq=seq,
            name=f.name,
            content_type=f.content_type,
            size=len(f.content),
            sha256=digest,
            uploaded_by=actor.username,
            uploaded_at=clock.now(),
        )
        attachment.file.save(f"{digest}{PurePath(f.name).suffix.lower()}", ContentFile(f.content))
        stored.append(attachment)
    return stored
