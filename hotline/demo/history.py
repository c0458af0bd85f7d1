"""The demo city's 90 days of history.

The history comes from the supervision engine's city simulator (planted misconduct included),
renamed into this city: its 25 units become real bureaus, streets and district governments, its
20 categories real 12345 categories, each order's text a citizen's wording for that category at
that place, and its numbers the hotline's own (20260828 00017). It is then imported through
``events_import``, the path any other system's history takes, hash chain and all.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from hotline import clock
from hotline.accounts.unit_review import unit_review_set
from hotline.demo.city import CATEGORIES, DETAILS, REVIEW_UNITS, STREETS, unit_rows
from hotline.domain.supervision.simulate import CitySimulator
from hotline.workorders.interchange import events_import
from hotline.workorders.models import OrderNumberCounter

# The planted culprits: one bureau passes orders on and applies to return them without basis,
# another closes without ever contacting the citizen (the others' misconduct is scattered).
CULPRITS = {
    "bounce": "chengguan",
    "rejected_return": "chengguan",
    "close_without_contact": "fangguan",
    "rejected_close": "fangguan",
}


def _pick(options: tuple[str, ...] | list[str], *key: object) -> str:
    """A stable choice: the same key gets the same option, so repeats stay repeats."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def _handlers(unit: str) -> str:
    return f"handler-{unit}"


# 单位审核 in the history: of the reviewing units' requests, one in SKIPPED reaches the center
# without its lead (the unreviewed_request detector's findings), one in SENT_BACK is first sent
# back by the lead and submitted again; the rest are submitted and forwarded.
SKIPPED, SENT_BACK = 20, 5
SUBMITS = {"request_return": "submit_return", "request_close": "submit_close"}
LEAD = "L"  # the simulated actor that _renamed turns into the unit's lead


def _reviewed(events: list[dict[str, object]], reviewing: set[str]) -> list[dict[str, object]]:
    """The order's events with each handler request of a reviewing unit turned into its
    submission, perhaps a send-back and a resubmission, and the lead's forward at the request's
    own time; the steps share the gap before the request, and seqs are renumbered."""
    if not any(e["action"] in SUBMITS and e["unit"] in reviewing for e in events):
        return events
    out: list[dict[str, object]] = []
    for event in events:
        action, unit = str(event["action"]), str(event["unit"])
        if action not in SUBMITS or unit not in reviewing or event["actor"] != "h":
            out.append(event)
            continue
        draw = int(
            _pick([str(n) for n in range(SKIPPED * SENT_BACK)], event["order"], event["seq"])
        )
        if draw % SKIPPED == 0:
            out.append(event)  # straight to the center: review skipped
            continue
        sent_back = draw % SENT_BACK == 1
        at = datetime.fromisoformat(str(event["at"]))
        gap = (at - datetime.fromisoformat(str(out[-1]["at"]))) / 4
        data = dict(event["data"])  # type: ignore[call-overload]
        steps = [(SUBMITS[action], "h", data)]
        if sent_back:
            reason = "办理结果不完整，请补充诉求人意见和现场情况后重新提交"
            steps += [("send_back", LEAD, {"reason": reason}), (SUBMITS[action], "h", data)]
        for n, (step, actor, fields) in enumerate(steps):
            when = at - gap * (len(steps) - n)
            out.append(
                {**event, "at": when.isoformat(), "action": step, "actor": actor, "data": fields}
            )
        out.append({**event, "actor": LEAD, "data": {**data, "submission": len(out)}})
    return [{**event, "seq": n} for n, event in enumerate(out, 1)]


def unit_review_seed(*, since: datetime) -> None:
    """Switch 单位审核 on for the demo's reviewing units from ``since``."""
    with clock.frozen_at(since):
        for unit in REVIEW_UNITS:
            unit_review_set(actor="admin", unit=unit, required=True)


def history_import(*, orders: int, days: int = 90, seed: int = 2026) -> int:
    """Switch 单位审核 on for the reviewing units from the history's first day, simulate
    ``orders`` orders over the ``days`` before today, rename them into the demo city and import
    them; returns the number of orders imported."""
    tz = ZoneInfo(settings.TIME_ZONE)
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    unit_review_seed(since=today - timedelta(days=days))  # the live orders review too
    if orders <= 0:
        return 0
    handling = [code for code, _, _ in unit_rows()]
    simulated = [f"u{n:02d}" for n in range(1, len(handling) + 1)]
    as_simulated = dict(zip(handling, simulated, strict=True))
    city = CitySimulator(
        start=today - timedelta(days=days),
        days=days,
        orders_per_day=math.ceil(orders / days),
        misconduct_rate=0.05,
        seed=seed,
        units=len(handling),
        categories=len(CATEGORIES),
        culprits={kind: as_simulated[unit] for kind, unit in CULPRITS.items()},
    )
    units = dict(zip(city.units, handling, strict=True))
    reviewing = {as_simulated[unit] for unit in REVIEW_UNITS}
    categories = dict(zip(city.categories, CATEGORIES, strict=True))
    streets = [area for *_, area in STREETS]
    numbers: dict[str, str] = {}
    per_day: defaultdict[str, int] = defaultdict(int)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "history.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for order in city.orders():
                day = datetime.fromisoformat(str(order.events[0]["at"])).strftime("%Y%m%d")
                per_day[day] += 1
                numbers[order.number] = f"{day}{per_day[day]:05d}"
                for event in _reviewed(order.events, reviewing):
                    out.write(_renamed(event, numbers, units, categories, streets, rng) + "\n")
        result = events_import(path)
    if result.errors:
        raise RuntimeError(f"demo history did not import: {result.errors[:3]}")
    for day, last in per_day.items():
        OrderNumberCounter.objects.update_or_create(day=day, defaults={"last": last})
    return result.orders


def _renamed(
    event: dict[str, object],
    numbers: dict[str, str],
    units: dict[str, str],
    categories: dict[str, tuple[str, str, str, tuple[str, ...]]],
    streets: list[str],
    rng: random.Random,
) -> str:
    data = dict(event["data"])  # type: ignore[call-overload]
    unit = units.get(str(event["unit"]), str(event["unit"]))
    actor = {"h": _handlers(unit), LEAD: f"lead-{unit}"}.get(
        str(event["actor"]), str(event["actor"])
    )
    if event["action"] == "create":
        code, _name, _lead, phrases = categories[str(data["category"])]
        place = str(data.get("location", ""))
        said = _pick(phrases, code, data.get("text"))
        data.update(
            category=code,
            text=f"{place}{said}，{_pick(DETAILS, code, data.get('text'), place)}。",
            area=_pick(streets, place),
            kind=rng.choice(["complaint", "complaint", "help", "consult", "suggestion"]),
        )
    if "into" in data:
        data["into"] = numbers.get(str(data["into"]), data["into"])
    return json.dumps(
        {
            **event,
            "order": numbers[str(event["order"])],
            "actor": actor,
            "unit": unit,
            "to_unit": units.get(str(event["to_unit"]), str(event["to_unit"])),
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
