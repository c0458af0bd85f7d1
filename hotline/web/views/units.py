"""考核 scorecards, a page per unit, and the center's scorecard weights."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.access import SUPERVISING_ROLES
from hotline.domain.lifecycle import Role
from hotline.domain.supervision.scorecard import DEFAULT_FINDING_WEIGHTS, DEFAULT_WEIGHTS
from hotline.reference.score_weights import ScoreWeightError, score_weights, score_weights_set
from hotline.supervision.circulars import circulars_naming
from hotline.supervision.scorecards import scorecard_view, scored, unit_overview
from hotline.web import labels
from hotline.web.access import for_roles, role_of
from hotline.web.export import xlsx_response
from hotline.web.views.orders import signed_in_user
from hotline.workorders.models import WorkOrder

RECENT_ORDERS = 15
WEIGHT_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})
PERIOD_KINDS = {"month": gettext_lazy("月度"), "quarter": gettext_lazy("季度")}
RATE_LABELS = {
    "accept_on_time_rate": gettext_lazy("签收及时率（响应率）"),
    "closed_on_time_rate": gettext_lazy("按时办结率"),
    "return_rate": gettext_lazy("退单率"),
    "resolved_rate": gettext_lazy("解决率"),
    "satisfied_rate": gettext_lazy("满意率"),
    "conduct_rate": gettext_lazy("履职规范率"),
}


def period_name(period: str, kind: str) -> str:
    """ "2026-10-01" → "2026年10月" (month) or "2026年第4季度" (quarter)."""
    if not period:
        return "—"
    year, month = int(period[:4]), int(period[5:7])
    if kind == "quarter":
        return _("%(year)d年第%(quarter)d季度") % {"year": year, "quarter": (month - 1) // 3 + 1}
    return _("%(year)d年%(month)d月") % {"year": year, "month": month}


def trend(change: int | float | None) -> str:
    """A rank change as people read it: ↑2, ↓1, or — (no change or no earlier rank)."""
    if not change:
        return "—"
    return f"↑{change:g}" if change > 0 else f"↓{-change:g}"


def _decorate(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    names = labels.unit_names()
    for row in rows:
        row["unit_name"] = names.get(row["unit"], row["unit"])
        row["period_name"] = period_name(row["period"], kind)
        row["score_text"] = "—" if row["score"] is None else f"{row['score']:.1f}"
        row["trend"] = trend(row["rank_change"])
        change = row["score_change"]
        row["score_change_text"] = "—" if change is None else f"{change:+.1f}"
    return rows


def latest_scorecards(report: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's 考核 table: the latest month, scored with the center's weights."""
    table = scored(report, kind="month")
    period = max((row["period"] for row in table), default="")
    return {
        "scorecards": _decorate([row for row in table if row["period"] == period], "month"),
        "score_period": period_name(period, "month"),
        "rate_labels": RATE_LABELS,
    }


@for_roles(SUPERVISING_ROLES)
def scorecards(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "month")
    view = scorecard_view(
        user=signed_in_user(request), kind=kind, period=request.GET.get("period", "")
    )
    if view is None:
        raise Http404("no such page")
    rows = _decorate(view["rows"], view["kind"])
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "scorecards.xlsx",
            _("考核"),
            (
                _("期间"),
                _("单位"),
                *(str(label) for label in RATE_LABELS.values()),
                _("线索数"),
                _("得分"),
                _("排名"),
                _("名次变化"),
            ),
            (
                (
                    row["period_name"],
                    row["unit_name"],
                    *(labels.percent(row[key]) for key in RATE_LABELS),
                    row["finding_count"],
                    row["score_text"],
                    row["rank"],
                    row["trend"],
                )
                for row in rows
            ),
        )
    chart = [
        {"name": row["unit_name"], "value": round(row["score"], 1)}
        for row in rows
        if row["score"] is not None
    ]
    rates, _detectors = score_weights()
    return render(
        request,
        "web/scorecards.html",
        {
            "kind": view["kind"],
            "kinds": PERIOD_KINDS,
            "period": view["period"],
            "periods": [(p, period_name(p, view["kind"])) for p in view["periods"]],
            "rows": rows,
            "rate_labels": RATE_LABELS,
            "weights": [(RATE_LABELS[k], f"{w:g}") for k, w in rates.items()],
            "may_set_weights": role_of(request) in WEIGHT_ROLES,
            "chart": chart,
        },
    )


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    overview = unit_overview(user=signed_in_user(request), code=code)
    if overview is None:
        raise Http404("no such page")
    history = _decorate(overview["history"], "month")
    orders = WorkOrder.objects.filter(current_unit=code).order_by("-created_at")[:RECENT_ORDERS]
    chart = {
        "periods": [row["period_name"] for row in history],
        "scores": [None if row["score"] is None else round(row["score"], 1) for row in history],
    }
    return render(
        request,
        "web/unit.html",
        {
            **overview,
            "history": history,
            "orders": orders,
            "order_total": WorkOrder.objects.filter(current_unit=code).count(),
            "circulars": circulars_naming(unit=code)[:RECENT_ORDERS],
            "rate_labels": RATE_LABELS,
            "chart": chart,
        },
    )


def _weight_fields(values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    parts = [(key, str(RATE_LABELS[key]), DEFAULT_WEIGHTS[key]) for key in DEFAULT_WEIGHTS]
    parts += [
        (key, labels.label(labels.DETECTORS, key), DEFAULT_FINDING_WEIGHTS[key])
        for key in DEFAULT_FINDING_WEIGHTS
    ]
    return [
        {
            "key": key,
            "label": label,
            "value": values.get(key, default),
            "default": f"{default:g}",
            "error": errors.get(key, ""),
            "rate": key in DEFAULT_WEIGHTS,
        }
        for key, label, default in parts
    ]


@for_roles(WEIGHT_ROLES)
def weights(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    rates, detectors = score_weights()
    values: dict[str, Any] = {k: f"{v:g}" for k, v in {**rates, **detectors}.items()}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in values}
        try:
            score_weights_set(values=values)
        except ScoreWeightError as bad:
            errors = bad.errors
            messages.error(
                request,
                _("权重未保存：%(fields)s")
                % {"fields": "、".join(_field_label(key) for key in errors)},
            )
        else:
            messages.success(request, _("权重已保存，考核排名已按新权重计算。"))
            return redirect("web:score_weights")
    fields = _weight_fields(values, errors)
    return render(
        request,
        "web/score_weights.html",
        {
            "rate_fields": [f for f in fields if f["rate"]],
            "detector_fields": [f for f in fields if not f["rate"]],
        },
        status=422 if errors else 200,
    )


def _field_label(key: str) -> str:
    return str(RATE_LABELS[key] if key in RATE_LABELS else labels.label(labels.DETECTORS, key))
