"""纪检监察 "天眼" dashboard: findings, the bounce network, scorecards, call-center KPIs, and
hotspots; each finding links to the order's timeline with its evidence marked."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate
from django.utils.translation import gettext

from hotline.accounts.access import SUPERVISING_ROLES
from hotline.accounts.models import User
from hotline.callcenter.models import AgentStateSpan, Call
from hotline.callcenter.selectors import period_kpis
from hotline.supervision.selectors import case_list, supervision_report_cached
from hotline.web import labels
from hotline.web.access import for_roles
from hotline.web.export import xlsx_response
from hotline.web.views.hotspot_notice import topic_text
from hotline.web.views.orders import signed_in_user
from hotline.web.views.units import latest_scorecards
from hotline.workorders.models import WorkOrder

FINDINGS_PER_PAGE = 50


def _call_center(user: User) -> list[dict[str, Any]]:
    """接通率 and 15秒接通率 per day with offered calls: the director's figures
    (:func:`hotline.callcenter.selectors.period_kpis`), one definition and one cache."""
    span = Call.objects.filter(direction=Call.IN).aggregate(
        first=Min("entered_at"), last=Max("entered_at")
    )
    if span["first"] is None:
        return []
    since, until = localdate(span["first"]), localdate(span["last"])
    figures = period_kpis(user=user, since=since, until=until) or {"rows": []}
    return [row for row in figures["rows"] if row["offered"]]


def _pauses() -> list[dict[str, Any]]:
    minutes: defaultdict[str, float] = defaultdict(float)
    for agent, start, end in AgentStateSpan.objects.filter(state="paused").values_list(
        "agent", "started_at", "ended_at"
    ):
        minutes[agent] += (end - start).total_seconds() / 60
    longest = sorted(minutes.items(), key=lambda item: -item[1])[:15]
    return [{"agent": labels.user_name(a), "minutes": round(m, 1)} for a, m in longest]


HOTSPOT_ALERTS = 10


def _hotspot_alerts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """热点预警: the engine's hotspots (``report["hotspots"]``), hottest first, as shown."""
    return [
        {
            "anchor": (h.get("orders") or [""])[0],
            "place": h.get("place", ""),
            "topic": topic_text(h.get("topic", [])),
            "count": h.get("count", 0),
            "callers": h.get("callers", 0),
            "heat": h.get("heat", 0),
            "growing": bool(h.get("growing")),
            "start": h.get("start", ""),
            "end": h.get("end", ""),
        }
        for h in (report.get("hotspots") or [])[:HOTSPOT_ALERTS]
    ]


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


@for_roles(SUPERVISING_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    report = supervision_report_cached()
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
            gettext("线索"),
            (
                gettext("检测项"),
                gettext("严重度"),
                gettext("工单"),
                gettext("单位"),
                gettext("话务员"),
                gettext("证据"),
                gettext("说明"),
            ),
            (
                (
                    labels.label(labels.DETECTORS, f["detector"]),
                    labels.label(labels.SEVERITIES, f["severity"]),
                    f["order"],
                    labels.unit_name(f["unit"]) if f["unit"] else "",
                    labels.user_name(f["agent"]) if f["agent"] else "",
                    ",".join(map(str, f["evidence"])),
                    f["explanation"],
                )
                for f in shown
            ),
        )
    page = Paginator(shown, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    by_detector = (report.get("summary") or {}).get("by_detector", {})
    units = report.get("units", [])
    charts = {
        "detectors": [
            {"name": labels.label(labels.DETECTORS, k), "value": v} for k, v in by_detector.items()
        ],
        "units": [
            {"name": labels.unit_name(u["unit"]), "value": u["finding_count"]}
            for u in sorted(units, key=lambda u: -u["finding_count"])[:15]
        ],
        "pairs": [
            {**p, "from": labels.unit_name(p["from"]), "to": labels.unit_name(p["to"])}
            for p in report.get("pairs", [])[:60]
        ],
        "calls": _call_center(signed_in_user(request)),
        "names": {"connect_rate": gettext("接通率"), "within_15s": gettext("15秒接通率")},
        "pauses": _pauses(),
    }
    return render(
        request,
        "web/tianyan.html",
        {
            "summary": report.get("summary", {}),
            "page": page,
            "findings": page.object_list,
            "finding_total": len(shown),
            "query": f"detector={detector}&unit={unit}",
            "detectors": labels.DETECTORS,
            "detector": detector,
            "unit": unit,
            "units": units,
            **latest_scorecards(report),
            "cases": case_list(user=signed_in_user(request))[:20],
            "charts": json.dumps(charts, ensure_ascii=False, default=str),
            "hotspots": _hotspots(),
            "hotspot_alerts": _hotspot_alerts(report),
        },
    )
