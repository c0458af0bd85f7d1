"""协办 (assisting units): which orders a unit assists, and the assisting units' opinions (协办意见)
as the lead unit (主办) reads them before it replies; the orders a dispatcher may reassign
(改派)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, Max, Q, QuerySet

from hotline.domain.lifecycle import OPEN_STATES, Action, State
from hotline.workorders.models import WorkOrder

_OPEN = [str(s) for s in OPEN_STATES]
HAS_ASSISTS = ~Q(assist_units=[])


def assisted_by(unit: str) -> Q:
    """Orders ``unit`` assists (协办) and does not lead: ``assist_units`` is a JSON list of codes,
    and a code in quotes matches one whole element (never a code it is a substring of). The
    condition on a non-empty list adds nothing to the meaning; it lets PostgreSQL read the small
    partial index ``order_assisted_state`` (orders with assisting units) instead of testing every
    open order's JSON text (27 ms at 10 M events, bench/README)."""
    return Q(assist_units__icontains=f'"{unit}"') & ~Q(current_unit=unit) & HAS_ASSISTS


def assisting_open(unit: str) -> Q:
    """协办工单: the open orders ``unit`` assists (list them due first: ``DUE_FIRST``)."""
    return assisted_by(unit) & Q(state__in=_OPEN)


DUE_FIRST = ("handle_deadline", "created_at")


def opinions_unread(queryset: QuerySet[WorkOrder], *, unit: str) -> QuerySet[WorkOrder]:
    """收到协办意见: open orders ``unit`` leads where an assisting unit wrote its opinion after
    the lead unit's own last step (the lead unit has not acted on it yet)."""
    return (
        queryset.filter(current_unit=unit, state__in=_OPEN)
        .annotate(
            last_opinion=Max("events__seq", filter=Q(events__action=Action.ASSIST_OPINION)),
            last_own=Max("events__seq", filter=Q(events__unit=unit)),
        )
        .filter(last_opinion__isnull=False)
        .filter(Q(last_own__isnull=True) | Q(last_opinion__gt=F("last_own")))
        .order_by("handle_deadline", "created_at")
    )


def assist_panel(
    *, assist_units: Sequence[str], steps: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per assisting unit: its opinions (who, when, text, seq: the timeline's steps as
    the reader may see them) and whether it has answered. Units that wrote an opinion but no
    longer assist (after a 改派) follow the current ones."""
    written: dict[str, list[Mapping[str, Any]]] = {}
    for step in steps:
        if step.get("action") == Action.ASSIST_OPINION:
            written.setdefault(str(step.get("unit", "")), []).append(step)
    units = list(dict.fromkeys([*assist_units, *written]))
    return [
        {
            "unit": code,
            "assisting": code in assist_units,
            "answered": bool(written.get(code)),
            "opinions": [
                {
                    "seq": step.get("seq"),
                    "actor": step.get("actor", ""),
                    "at": step.get("at"),
                    "text": (step.get("data") or {}).get("text", ""),
                }
                for step in written.get(code, [])
            ],
        }
        for code in units
        if code
    ]


def unanswered(panel: Sequence[Mapping[str, Any]]) -> list[str]:
    """The assisting units that have not written their opinion yet."""
    return [row["unit"] for row in panel if row["assisting"] and not row["answered"]]


def awaiting_accept(queryset: QuerySet[WorkOrder], *, now: datetime) -> QuerySet[WorkOrder]:
    """超时未签收: dispatched orders no unit has signed for by their 签收 deadline, the longest
    overdue first; the dispatcher may reassign them (改派)."""
    return queryset.filter(state=State.DISPATCHED, accept_deadline__lt=now).order_by(
        "accept_deadline", "created_at"
    )
