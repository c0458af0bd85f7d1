"""Files backing a case step (核实 evidence, 整改报告): checked, sealed and verified with the
work orders' attachment mechanism (:mod:`hotline.workorders.attachments`), stored per case."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile

from hotline import clock
from hotline.eventstore.streams import Broken
from hotline.supervision.models import CaseAttachment, CaseEvent, SupervisionCase
from hotline.workorders.attachments import CheckedFile, sealed_entry, stored_file_digest


def case_files_store(
    *, actor: str, case: SupervisionCase, seq: int, files: Sequence[CheckedFile]
) -> list[CaseAttachment]:
    """Store checked files against the case's event ``seq`` (which sealed them), inside the
    step's transaction."""
    stored = []
    for f in files:
        row = CaseAttachment(
            case=case,
            seq=seq,
            name=f.name,
            content_type=f.content_type,
            size=len(f.content),
            sha256=f.sha256,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        row.file.save(f"{f.sha256}{PurePath(f.name).suffix.lower()}", ContentFile(f.content))
        stored.append(row)
    return stored


def case_files_verify() -> tuple[int, Broken | None]:
    """Every stored case file against what its event sealed and the bytes on disk, and every
    event's sealed files against the rows stored for it."""
    events = CaseEvent.objects.filter(data__has_key="attachments").select_related("case")
    sealed: dict[tuple[int, int], tuple[str, list[dict[str, Any]]]] = {
        (e.case_id, e.seq): (e.case.number, list(e.data.get("attachments") or [])) for e in events
    }
    stored: dict[tuple[int, int], int] = {}
    checked = 0
    rows = CaseAttachment.objects.select_related("case").order_by("case_id", "seq", "id")
    for row in rows.iterator(chunk_size=500):
        key = (row.case_id, row.seq)
        stored[key] = stored.get(key, 0) + 1
        entry = sealed_entry(
            name=row.name, content_type=row.content_type, size=row.size, sha256=row.sha256
        )
        number = row.case.number
        if entry not in sealed.get(key, ("", []))[1]:
            return checked, Broken("case", number, row.seq, f"file {row.name} was not sealed")
        found = stored_file_digest(row)
        if found is None:
            return checked, Broken("case", number, row.seq, f"file {row.name} is missing")
        if found != row.sha256:
            reason = f"file {row.name} was changed on disk (SHA-256 differs)"
            return checked, Broken("case", number, row.seq, reason)
        checked += 1
    for key, (number, entries) in sealed.items():
        if stored.get(key, 0) != len(entries):
            reason = f"the event sealed {len(entries)} file(s) but {stored.get(key, 0)} are stored"
            return checked, Broken("case", number, key[1], reason)
    return checked, None
