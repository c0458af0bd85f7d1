"""Hand-built event logs for detector tests: one fluent builder per order."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hotline.domain.supervision.eventlog import EventLog, load_interchange

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)  # a working Monday


class Order:
    def __init__(self, number: str, start: datetime = MONDAY, **create: Any) -> None:
        self.number, self.now = number, start
        self.events: list[dict[str, Any]] = []
        data = {"category": "noise", "text": "噪音", "location": f"{number}号"} | create
        self.add("create", unit="center", **data)

    def add(self, action: str, *, after: timedelta = timedelta(minutes=10), unit: str = "",
            to_unit: str = "", **data: Any) -> Order:  # fmt: skip
        self.now += after
        self.events.append(
            {
                "order": self.number,
                "seq": len(self.events) + 1,
                "at": self.now.isoformat(),
                "action": action,
                "actor": "someone",
                "unit": unit,
                "to_unit": to_unit,
                "data": data,
            }
        )
        return self

    def wait(self, delta: timedelta) -> Order:
        self.now += delta
        return self

    def dispatch(self, unit: str, *, accept_hours: float = 2, handle_days: float = 5) -> Order:
        at = self.now + timedelta(minutes=10)
        return self.add(
            "dispatch",
            unit="center",
            to_unit=unit,
            accept_deadline=(at + timedelta(hours=accept_hours)).isoformat(),
            deadline=(at + timedelta(days=handle_days)).isoformat(),
        )

    def by(self, action: str, unit: str, **data: Any) -> Order:
        return self.add(action, unit=unit, **data)

    def center(self, action: str, **data: Any) -> Order:
        return self.add(action, unit="center", **data)

    def handled(self, unit: str, *, reply: str | None = None) -> Order:
        """The book: accept, contact, reply, request closure, approved, followed up happily."""
        self.by("accept", unit).by("contact", unit, method="phone", reached=True)
        self.by("reply", unit, text=reply or f"已到现场核实{_words(self.number)}并处理完毕")
        self.by("request_close", unit, result="已办结").center("approve_close")
        return self.center("follow_up", reached=True, resolved=True, satisfied=True)


def _words(number: str) -> str:
    """Distinct Chinese words for distinct order numbers: replies then differ beyond digits."""
    return "".join(chr(0x4E00 + (ord(char) * 37) % 2000) for char in number)


def write_log(path: Path, *orders: Order) -> Path:
    with path.open("w") as out:
        for order in orders:
            for event in order.events:
                out.write(json.dumps(event, ensure_ascii=False) + "\n")
    return path


def load(tmp_path: Path, *orders: Order, as_of: datetime | None = None) -> EventLog:
    path = write_log(tmp_path / "events.jsonl", *orders)
    local = as_of.astimezone(ZONE).replace(tzinfo=None) if as_of else None
    return load_interchange(path, as_of=local)
