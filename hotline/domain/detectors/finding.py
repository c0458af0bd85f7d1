"""A finding: one detector's verdict on one order or one agent, with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class Finding:
    detector: str
    severity: str
    explanation: str
    # Evidence: event seqs for an order, line numbers of the source file for a call log.
    evidence: tuple[int, ...]
    order: str | None = None
    unit: str | None = None
    agent: str | None = None
    day: date | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    minutes: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "severity": self.severity,
            "order": self.order,
            "unit": self.unit,
            "agent": self.agent,
            "day": self.day.isoformat() if self.day else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "minutes": round(self.minutes, 1) if self.minutes is not None else None,
            "evidence": list(self.evidence),
            "explanation": self.explanation,
        }
