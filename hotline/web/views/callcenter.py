"""话务: the center director's pages (中心负责人 / 值班长, administrators, 纪检监察): the KPIs of a
day per interval and of a period per day against the GB/T 33358-2016 targets, the agents'
states, pauses and findings, and the Erlang C planner (one interval, or a day from a CSV)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.callcenter import selectors
from hotline.callcenter.models import AgentStateChange
from hotline.domain import erlang
from hotline.domain.callcenter.kpi import ANSWER_TARGET_SECONDS, CONNECT_RATE_TARGET
from hotline.domain.callcenter.plan import MAX_CALLS_PER_INTERVAL, day_plan, read_forecast
from hotline.domain.inputs import InputError
from hotline.domain.limits import EARLIEST_YEAR, LATEST_YEAR
from hotline.domain.policy import Area
from hotline.web import labels
from hotline.web.access import for_area
from hotline.web.views.orders import signed_in_user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# 15秒接通率: the share of answered calls within 15 s that Erlang C plans for by default.
WITHIN_15S_TARGET = erlang.DEFAULT_SERVICE_LEVEL
MAX_PERIOD_DAYS = 92
DEFAULT_PERIOD_DAYS = 7
# An uploaded forecast: a day of one-minute intervals at most, in a small file.
MAX_FORECAST_BYTES = 256 * 1024
MAX_PLAN_INTERVALS = 1440
# Traffic beyond this in one interval is a garbled forecast (a hotline the size of Beijing
# needs a few hundred agents), and would keep the planner busy for seconds.
MAX_TRAFFIC_ERLANGS = 5000.0

STATE_NAMES = {
    AgentStateChange.AVAILABLE: gettext_lazy("示闲"),
    "ready": gettext_lazy("示闲"),
    AgentStateChange.PAUSED: gettext_lazy("示忙"),
    AgentStateChange.LOGGED_OUT: gettext_lazy("签出"),
}
SEVERITY_NAMES = {
    "high": gettext_lazy("高"),
    "medium": gettext_lazy("中"),
    "low": gettext_lazy("低"),
}


# -- formatting: percentages with one decimal, whole seconds, names -----------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _misses(value: float | None, target: float) -> bool:
    return value is not None and value < target


def _kpi_cells(row: dict[str, Any]) -> dict[str, Any]:
    """A table row's figures as shown, with the cells that miss the targets marked."""
    return {
        "offered": row["offered"],
        "answered": row["answered"],
        "abandoned": row["abandoned"],
        "connect": percent(row["connect_rate"]),
        "connect_miss": _misses(row["connect_rate"], CONNECT_RATE_TARGET),
        "within_15s": percent(row["answered_within_15s_rate"]),
        "within_15s_miss": _misses(row["answered_within_15s_rate"], WITHIN_15S_TARGET),
        "abandonment": percent(row["abandonment_rate"]),
        "asa": seconds(row["asa_seconds"]),
        "aht": seconds(row["aht_seconds"]),
    }


def _chart_rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _targets() -> dict[str, Any]:
    return {
        "connect": CONNECT_RATE_TARGET * 100,
        "within_15s": WITHIN_15S_TARGET * 100,
        "connect_label": _("接通率目标 %(p)s") % {"p": percent(CONNECT_RATE_TARGET)},
        "within_15s_label": _("15秒接通率目标 %(p)s") % {"p": percent(WITHIN_15S_TARGET)},
    }


def _series_names() -> dict[str, str]:
    return {
        "offered": _("来电量"),
        "answered": _("接通量"),
        "connect": _("接通率 %"),
        "within_15s": _("15秒接通率 %"),
        "calls": _("来电"),
        "rate": _("比率 %"),
        "agents": _("在线坐席"),
        "positions": _("排班人数"),
    }


# -- 话务指标 -----------------------------------------------------------------------------------


def _date_field(label: StrOrPromise) -> forms.DateField:
    """A date in the years the system takes (year 1 or 9999 would overflow a day's bounds)."""
    return forms.DateField(
        required=False,
        label=label,
        validators=[
            MinValueValidator(date(EARLIEST_YEAR, 1, 1)),
            MaxValueValidator(date(LATEST_YEAR, 12, 31)),
        ],
    )


class KpiQuery(forms.Form):
    day = _date_field(gettext_lazy("日期"))
    interval = forms.TypedChoiceField(
        required=False,
        coerce=int,
        choices=[(str(m), str(m)) for m in selectors.INTERVALS],
        label=gettext_lazy("时段（分钟）"),
    )
    since = _date_field(gettext_lazy("期间自"))
    until = _date_field(gettext_lazy("期间至"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if since > until:
                self.add_error("since", _("开始日期晚于结束日期"))
            elif (until - since).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("until", _("期间最长 %(n)s 天") % {"n": MAX_PERIOD_DAYS})
        return data


def _form_problems(form: forms.Form) -> list[str]:
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else _("查询")
        problems.append(f"{label}：{'；'.join(str(e) for e in errors)}")
    return problems


@for_area(Area.CALLCENTER)
def kpis(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = KpiQuery(request.GET)
    good = query.cleaned_data if query.is_valid() else {}
    problems = _form_problems(query)
    day: date = good.get("day") or selectors.latest_call_day()
    interval: int = good.get("interval") or 30
    until: date = good.get("until") or day
    since: date = good.get("since") or until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if since > until or (until - since).days + 1 > MAX_PERIOD_DAYS:
        since = until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    today = selectors.day_kpis(user=user, day=day, interval_minutes=interval) or {}
    period = selectors.period_kpis(user=user, since=since, until=until) or {}
    intervals = today.get("rows", [])
    days = period.get("rows", [])
    chart = {
        "names": _series_names(),
        "targets": _targets(),
        "day": {
            "labels": [timezone.localtime(r["start"]).strftime("%H:%M") for r in intervals],
            "offered": [r["offered"] for r in intervals],
            "connect": [_chart_rate(r["connect_rate"]) for r in intervals],
            "within_15s": [_chart_rate(r["answered_within_15s_rate"]) for r in intervals],
        },
        "period": {
            "labels": [r["day"].strftime("%m-%d") for r in days],
            "offered": [r["offered"] for r in days],
            "connect": [_chart_rate(r["connect_rate"]) for r in days],
            "within_15s": [_chart_rate(r["answered_within_15s_rate"]) for r in days],
        },
    }
    return render(
        request,
        "web/callcenter.html",
        {
            "problems": problems,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "interval": interval,
            "intervals": selectors.INTERVALS,
            "since": since,
            "until": until,
            "day_totals": _kpi_cells(today["totals"]) if today else None,
            "day_rows": [
                {"start": r["start"], "agents_needed": r["agents_needed"], **_kpi_cells(r)}
                for r in intervals
                if r["offered"] or r["answered"]
            ],
            "period_totals": _kpi_cells(period["totals"]) if period else None,
            "period_rows": [{"day": r["day"], **_kpi_cells(r)} for r in days],
            "connect_target": percent(CONNECT_RATE_TARGET),
            "within_15s_target": percent(WITHIN_15S_TARGET),
            "answer_seconds": ANSWER_TARGET_SECONDS,
            "chart": chart,
        },
    )


# -- 坐席 ---------------------------------------------------------------------------------------


class DayQuery(forms.Form):
    day = _date_field(gettext_lazy("日期"))


def _state_name(state: str, reason: str = "") -> str:
    name = str(STATE_NAMES.get(state, state))
    return f"{name}（{reason}）" if reason else name


@for_area(Area.CALLCENTER)
def agents(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = DayQuery(request.GET)
    day: date = (query.cleaned_data.get("day") if query.is_valid() else None) or (
        selectors.latest_agent_day()
    )
    names = selectors.agent_names()
    board = [
        {
            **row,
            "state_name": _state_name(row["state"], row["reason"]),
            "paused": f"{row['paused_minutes']:.0f}",
        }
        for row in selectors.agent_board(user=user)
    ]
    logged = [
        {
            "name": names.get(row["agent"], row["agent"]),
            "state_name": _state_name(row.get("state", ""), row.get("reason", "")),
            "since": row.get("since"),
            "answered": row["answered"],
            "logged_in": f"{row['logged_in']:.0f}",
            "paused": f"{row['paused']:.0f}",
            "pauses": row["pauses"],
            "reasons": "，".join(f"{k} {v:.0f}" for k, v in sorted(row["reasons"].items())),
        }
        for row in selectors.log_agents_on(user=user, day=day)
    ]
    findings = [
        {
            "detector": labels.DETECTORS.get(item["finding"].detector, _("坐席线索")),
            "severity": SEVERITY_NAMES.get(item["finding"].severity, item["finding"].severity),
            "high": item["finding"].severity == "high",
            "name": names.get(item["finding"].agent, item["finding"].agent),
            "finding": item["finding"],
            "minutes": None
            if item["finding"].minutes is None
            else f"{item['finding'].minutes:.0f}",
            "lines": "、".join(str(n) for n in item["finding"].evidence[:20]),
            "spans": [
                {
                    "state_name": _state_name(span.state, span.reason),
                    "started_at": span.started_at,
                    "ended_at": span.ended_at,
                }
                for span in item["spans"]
            ],
        }
        for item in selectors.agent_findings_on(user=user, day=day)
    ]
    return render(
        request,
        "web/callcenter_agents.html",
        {
            "problems": _form_problems(query),
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "board": board,
            "logged": logged,
            "findings": findings,
        },
    )


# -- 排班: Erlang C ------------------------------------------------------------------------------


class TargetsForm(forms.Form):
    interval_minutes = forms.FloatField(
        label=gettext_lazy("时段长度（分钟）"), min_value=1, max_value=1440, initial=30
    )
    target_seconds = forms.FloatField(
        label=gettext_lazy("目标接通时间（秒）"), min_value=0, max_value=3600, initial=15
    )
    service_level = forms.FloatField(
        label=gettext_lazy("目标服务水平（%）"), min_value=1, max_value=99.9, initial=80
    )
    shrinkage = forms.FloatField(
        label=gettext_lazy("缺勤及非话务时间（%）"), min_value=0, max_value=95, initial=30
    )


class IntervalForm(TargetsForm):
    calls = forms.FloatField(
        label=gettext_lazy("每时段来电量"), min_value=0, max_value=MAX_CALLS_PER_INTERVAL
    )
    aht_seconds = forms.FloatField(
        label=gettext_lazy("平均处理时长（秒）"), min_value=1, max_value=86_400, initial=240
    )
    field_order = ["calls", "aht_seconds", "interval_minutes", "target_seconds"]


class ForecastForm(TargetsForm):
    aht_seconds = forms.FloatField(
        label=gettext_lazy("默认平均处理时长（秒）"),
        min_value=1,
        max_value=86_400,
        required=False,
        help_text=gettext_lazy("预测文件没有 aht_seconds 列时使用"),
    )
    forecast = forms.FileField(
        label=gettext_lazy("预测文件（CSV）"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _traffic_problem(calls: float, interval_minutes: float, aht: float) -> bool:
    load = erlang.traffic(calls=calls, interval_minutes=interval_minutes, aht_seconds=aht)
    return load > MAX_TRAFFIC_ERLANGS


def _staffing_row(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "calls": f"{plan['calls']:g}",
        "aht": seconds(plan["aht_seconds"]),
        "traffic": f"{plan['traffic_erlangs']:.1f}",
        "agents": plan["agents"],
        "positions": plan["positions"],
        "service_level": percent(plan["service_level"]),
        "asa": seconds(plan["asa_seconds"]),
        "occupancy": percent(plan["occupancy"]),
        "waiting": percent(plan["waiting_probability"]),
    }


def _interval_plan(form: IntervalForm) -> tuple[dict[str, Any] | None, list[str]]:
    data = form.cleaned_data
    if _traffic_problem(data["calls"], data["interval_minutes"], data["aht_seconds"]):
        return None, [
            _("每时段来电量：话务量超过 %(n)s 爱尔兰，请检查来电量和处理时长")
            % {"n": f"{MAX_TRAFFIC_ERLANGS:,.0f}"}
        ]
    try:
        plan = erlang.staff_interval(
            calls=data["calls"],
            interval_minutes=data["interval_minutes"],
            aht_seconds=data["aht_seconds"],
            target_seconds=data["target_seconds"],
            service_level_goal=data["service_level"] / 100,
            shrinkage=data["shrinkage"] / 100,
        )
    except InputError as exc:
        return None, [_input_problem(exc)]
    return _staffing_row(plan.as_dict()), []


def _input_problem(exc: InputError) -> str:
    """The error's line and field, never the temporary file's path."""
    place = []
    if exc.line is not None:
        place.append(_("第 %(n)s 行") % {"n": exc.line})
    if exc.field:
        place.append(_("字段 %(f)s") % {"f": exc.field})
    return ("，".join(place) + "：" if place else "") + exc.message


def _start_label(text: str) -> str:
    """A forecast's start as a person reads it (an ISO time becomes 2026-03-02 08:30)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return time.fromisoformat(text).strftime("%H:%M")
        except ValueError:
            return text
    if moment.tzinfo is not None:
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _day_plan(form: ForecastForm, upload: UploadedFile) -> tuple[dict[str, Any] | None, list[str]]:
    data = form.cleaned_data
    if upload.size is None or upload.size > MAX_FORECAST_BYTES:
        return None, [
            _("预测文件：文件超过 %(n)s KB") % {"n": MAX_FORECAST_BYTES // 1024},
        ]
    with tempfile.NamedTemporaryFile(suffix=".csv") as scratch:
        for chunk in upload.chunks():
            scratch.write(chunk)
        scratch.flush()
        try:
            forecast = read_forecast(Path(scratch.name), default_aht=data.get("aht_seconds"))
        except InputError as exc:
            return None, [_("预测文件：") + _input_problem(exc)]
    if len(forecast) > MAX_PLAN_INTERVALS:
        return None, [_("预测文件：最多 %(n)s 个时段") % {"n": MAX_PLAN_INTERVALS}]
    for number, (_start, calls, aht) in enumerate(forecast, start=2):
        if _traffic_problem(calls, data["interval_minutes"], aht):
            return None, [
                _("预测文件：第 %(line)s 行，字段 calls：话务量超过 %(n)s 爱尔兰")
                % {"line": number, "n": f"{MAX_TRAFFIC_ERLANGS:,.0f}"}
            ]
    try:
        plan = day_plan(
            forecast,
            interval_minutes=data["interval_minutes"],
            target_seconds=data["target_seconds"],
            service_level=data["service_level"] / 100,
            shrinkage=data["shrinkage"] / 100,
        )
    except InputError as exc:
        return None, [_("预测文件：") + _input_problem(exc)]
    rows = [{"start": _start_label(r["start"]), **_staffing_row(r)} for r in plan["intervals"]]
    return {
        "rows": rows,
        "agent_hours": f"{plan['agent_hours']:.1f}",
        "position_hours": f"{plan['position_hours']:.1f}",
        "peak_positions": plan["peak_positions"],
        "chart": {
            "names": _series_names(),
            "labels": [r["start"] for r in rows],
            "agents": [r["agents"] for r in plan["intervals"]],
            "positions": [r["positions"] for r in plan["intervals"]],
            "calls": [r["calls"] for r in plan["intervals"]],
        },
    }, []


@for_area(Area.CALLCENTER)
def planner(request: HttpRequest) -> HttpResponse:
    single = IntervalForm(request.GET if "calls" in request.GET else None, auto_id="one_%s")
    result: dict[str, Any] | None = None
    problems: list[str] = []
    if single.is_bound and single.is_valid():  # otherwise each field shows its own error
        result, problems = _interval_plan(single)
    whole = ForecastForm(request.POST or None, request.FILES or None, auto_id="day_%s")
    plan = None
    if request.method == "POST":
        upload = request.FILES.get("forecast")
        if whole.is_valid() and upload is not None:
            plan, problems = _day_plan(whole, upload)
    return render(
        request,
        "web/callcenter_plan.html",
        {
            "single": single,
            "whole": whole,
            "result": result,
            "plan": plan,
            "problems": problems,
            "max_kb": MAX_FORECAST_BYTES // 1024,
        },
    )
