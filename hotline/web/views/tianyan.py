"""纪检监察 "天眼" dashboard: findings, the bounce network, scorecards, call-center KPIs, and
hotspots; each finding links to the order's timeline with its evidence marked."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.callcenter.models import AgentStateSpan, Call
from hotline.supervision.selectors import case_list, supervision_report
from hotline.web import labels
from hotline.web.access import SUPERVISORS, for_roles
from hotline.web.export import xlsx_response
from hotline.web.views.orders import _user
from hotline.workorders.models import WorkOrder, WorkOrderEvent

REPORT_SECONDS = 120
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def cached_report(request: HttpRequest) -> dict[str, Any]:
    """The supervision report, recomputed when events were added or after REPORT_SECONDS:
    the engine reads the whole log, which is too slow to repeat on every page view."""
    stamp = WorkOrderEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    with _lock:
        fresh = time.monotonic() - _cache.get("at", -1e9) < REPORT_SECONDS
        if _cache.get("stamp") != stamp or not fresh:
            report = supervision_report(user=_user(request)) or {}
            _cache.update(stamp=stamp, at=time.monotonic(), report=report)
        return dict(_cache["report"])


def _call_center() -> list[dict[str, Any]]:
    days = (
        Call.objects.exclude(entered_at=None)
        .annotate(day=TruncDate("entered_at"))
        .values("day")
        .annotate(
            answered=Count("id", filter=Q(outcome="answered")),
            abandoned=Count("id", filter=Q(outcome="abandoned")),
            fast=Count("id", filter=Q(outcome="answered", wait_seconds__lte=15)),
        )
        .order_by("day")
    )
    out = []
    for d in days:
        offered = d["answered"] + d["abandoned"]
        out.append(
            {
                "day": d["day"].isoformat(),
                "offered": offered,
                "rate": round(d["answered"] / offered, 4) if offered else None,
                "rate15": round(d["fast"] / d["answered"], 4) if d["answered"] else None,
            }
        )
    return out


def _pauses() -> list[dict[str, Any]]:
    minutes: defaultdict[str, float] = defaultdict(float)
    for agent, start, end in AgentStateSpan.objects.filter(state="paused").values_list(
        "agent", "started_at", "ended_at"
    ):
        minutes[agent] += (end - start).total_seconds() / 60
    longest = sorted(minutes.items(), key=lambda item: -item[1])[:15]
    return [{"agent": a, "minutes": round(m, 1)} for a, m in longest]


def _hotspots() -> dict[str, Any]:
    cells = (
        WorkOrder.objects.exclude(area="")
        .values("area", "category")
        .annotate(n=Count("id"))
        .order_by("area", "category")
    )
    areas = sorted({c["area"] for c in cells})
    categories = sorted({c["category"] for c in cells})
    grid = {(c["area"], c["category"]): c["n"] for c in cells}
    return {
        "areas": areas,
        "categories": categories,
        "rows": [(a, [grid.get((a, c), 0) for c in categories]) for a in areas],
    }


@for_roles(SUPERVISORS)
def dashboard(request: HttpRequest) -> HttpResponse:
    report = cached_report(request)
    findings = report.get("findings", [])
    detector = request.GET.get("detector", "")
    unit = request.GET.get("unit", "")
    shown = [
        f
        for f in findings
        if (not detector or f["detector"] == detector) and (not unit or f["unit"] == unit)
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "findings.xlsx",
            "线索 findings",
            (
                "检测 detector",
                "严重度 severity",
                "工单 order",
                "单位 unit",
                "话务员 agent",
                "证据 evidence",
                "说明 explanation",
            ),
            (
                (
                    labels.DETECTORS.get(f["detector"], f["detector"]),
                    f["severity"],
                    f["order"],
                    f["unit"],
                    f["agent"],
                    ",".join(map(str, f["evidence"])),
                    f["explanation"],
                )
                for f in shown
            ),
        )
    by_detector = (report.get("summary") or {}).get("by_detector", {})
    units = report.get("units", [])
    charts = {
        "detectors": [
            {"name": labels.DETECTORS.get(k, k), "value": v} for k, v in by_detector.items()
        ],
        "units": [
            {"name": u["name"] or u["unit"], "value": u["finding_count"]}
            for u in sorted(units, key=lambda u: -u["finding_count"])[:15]
        ],
        "pairs": report.get("pairs", [])[:60],
        "calls": _call_center(),
        "pauses": _pauses(),
    }
    return render(
        request,
        "web/tianyan.html",
        {
            "summary": report.get("summary", {}),
            "findings": shown[:200],
            "finding_total": len(shown),
            "detectors": labels.DETECTORS,
            "detector": detector,
            "unit": unit,
            "units": units,
            "scorecards": report.get("scorecards", [])[-40:],
            "cases": case_list(user=_user(request))[:20],
            "charts": json.dumps(charts, ensure_ascii=False, default=str),
            "hotspots": _hotspots(),
        },
    )
