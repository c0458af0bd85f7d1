"""Structure the code promises (docs/architecture.md) that import-linter cannot see: only the
event store saves event rows, and the models alone build them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "hotline"
EVENT_MODELS = ("WorkOrderEvent", "CaseEvent")
# Saving or bulk-inserting event rows, or building them outside their model's from_record.
WRITES = re.compile(
    r"(?:" + "|".join(EVENT_MODELS) + r")(?:\.objects\.(?:create|bulk_create|get_or_create|"
    r"update_or_create)|\()"
)


def _sources() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "migrations" not in p.parts and p.parent.name != "eventstore"
    ]


def test_no_module_but_the_event_store_writes_event_rows() -> None:
    offenders = {}
    for path in _sources():
        hits = [
            m.group(0)
            for m in WRITES.finditer(path.read_text(encoding="utf-8"))
            if not (path.name == "models.py" and m.group(0).endswith("("))
        ]
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert not offenders, f"event rows written outside hotline/eventstore: {offenders}"
