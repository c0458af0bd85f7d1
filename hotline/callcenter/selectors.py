"""Every read of the call-center app."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, Case, Count, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from hotline import clock
from hotline.accounts.access import can_run_callcenter
from hotline.accounts.models import User
from hotline.caching import Cache
from hotline.callcenter.models import (
    AgentFinding,
    AgentStateChange,
    AgentStateSpan,
    Call,
    CallLogImport,
)
from hotline.domain import erlang
from hotline.domain.callcenter.kpi import ANSWER_TARGET_SECONDS, call_rates
from hotline.domain.lifecycle import Role
from hotline.domain.masking import mask_phone
from hotline.workorders.models import WorkOrder


def order_call_ids() -> set[str]:
    """Call ids that a work order was created from: the numerator of 受理率."""
    return set(WorkOrder.objects.exclude(call_id="").values_list("call_id", flat=True))


def agent_finding_list(
    *, user: User, detector: str | None = None, agent: str | None = None
) -> QuerySet[AgentFinding]:
    if not can_run_callcenter(user):
        return AgentFinding.objects.none()
    findings = AgentFinding.objects.all()
    if detector:
        findings = findings.filter(detector=detector)
    if agent:
        findings = findings.filter(agent=agent)
    return findings


def calllog_import_list(*, user: User) -> QuerySet[CallLogImport]:
    if not can_run_callcenter(user):
        return CallLogImport.objects.none()
    return CallLogImport.objects.all()


def agent_state_today(*, agent: str) -> dict[str, Any]:
    """The agent's current state and today's paused minutes by reason."""
    now = clock.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    changes = list(
        AgentStateChange.objects.filter(agent=agent, at__gte=midnight).order_by("at", "id")
    )
    before = AgentStateChange.objects.filter(agent=agent, at__lt=midnight).first()
    current = changes[-1] if changes else before
    paused: dict[str, float] = {}
    state, reason, since = (before.state, before.reason, midnight) if before else ("", "", midnight)
    for change in [*changes, None]:
        until = change.at if change else now
        if state == AgentStateChange.PAUSED:
            paused[reason] = paused.get(reason, 0.0) + (until - since).total_seconds() / 60
        if change:
            state, reason, since = change.state, change.reason, change.at
    return {
        "state": current.state if current else AgentStateChange.LOGGED_OUT,
        "reason": current.reason if current else "",
        "since": current.at if current else None,
        "paused_minutes": {k: round(v, 1) for k, v in paused.items()},
    }


# -- the center's pages (话务): KPIs per interval and per day, agents, findings ------------------

# Interval lengths the pages offer: each divides an hour.
INTERVALS = (15, 30, 60)
OFFERED = ("answered", "abandoned")
# Calls change only when a log is imported: the latest import is the stamp of every figure.
_figures: Cache[tuple[Hashable, ...], Any] = Cache(name="call-center figures", max_size=64)


def _calls_stamp() -> tuple[Any, ...]:
    return tuple(CallLogImport.objects.order_by("-id").values_list("id", "sha256")[:1])


def _call_counts() -> dict[str, Any]:
    """The counts behind docs/design.md's rates (kpi._CALL_COUNTS, in the ORM), and how many
    answered calls have a wait and a talk time (the weights that combine means)."""
    answered = Q(outcome="answered")
    return {
        "offered": Count("id", filter=Q(outcome__in=OFFERED)),
        "answered": Count("id", filter=answered),
        "abandoned": Count("id", filter=Q(outcome="abandoned")),
        "answered_within_15s": Count(
            "id", filter=answered & Q(wait_seconds__lte=ANSWER_TARGET_SECONDS)
        ),
        "asa_seconds": Avg("wait_seconds", filter=answered),
        "aht_seconds": Avg("talk_seconds", filter=answered),
        "waited": Count("wait_seconds", filter=answered),
        "talked": Count("talk_seconds", filter=answered),
    }


_SUMS = ("offered", "answered", "abandoned", "answered_within_15s", "waited", "talked")
_MEANS = (("asa_seconds", "waited"), ("aht_seconds", "talked"))


def _quiet() -> dict[str, Any]:
    return dict.fromkeys(_SUMS, 0) | {"asa_seconds": None, "aht_seconds": None}


def _slot_counts(bounds: list[datetime]) -> list[dict[str, Any]]:
    """The counts of each stretch ``bounds[i]`` to ``bounds[i + 1]``, in one query: a CASE of
    plain comparisons on the indexed column (a per-row time-zone function on SQLite costs
    seconds on a city's day of calls)."""
    slot = Case(
        *(When(entered_at__lt=bound, then=Value(i)) for i, bound in enumerate(bounds[1:])),
        default=Value(-1),
    )
    rows = (
        Call.objects.filter(direction=Call.IN, entered_at__gte=bounds[0], entered_at__lt=bounds[-1])
        .annotate(slot=slot)
        .values("slot")
        .annotate(**_call_counts())
        .order_by()
    )
    found = {row["slot"]: _counted(row) for row in rows}
    return [found.get(i) or _quiet() for i in range(len(bounds) - 1)]


def _counted(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _call_counts()}


def _combined(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts of all ``rows`` together: sums, and each mean weighted by its own count (the
    mean over every call, as one query over the whole span would give)."""
    total: dict[str, Any] = {name: sum(row[name] for row in rows) for name in _SUMS}
    for mean, weight in _MEANS:
        total[mean] = (
            sum(row[mean] * row[weight] for row in rows if row[weight]) / total[weight]
            if total[weight]
            else None
        )
    return total


def _day_span(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def latest_call_day() -> date:
    """The last local day with calls (the pages open on it), else today."""
    last = Call.objects.filter(direction=Call.IN).aggregate(last=Max("entered_at"))["last"]
    return timezone.localdate(last) if last else timezone.localdate(clock.now())


def day_kpis(*, user: User, day: date, interval_minutes: int = 30) -> dict[str, Any] | None:
    """话务指标 for one local day: totals, and every interval of the day (quiet ones too) with
    the rates of :func:`kpi.call_rates` and Erlang C's agents for its calls and AHT."""
    if not can_run_callcenter(user) or interval_minutes not in INTERVALS:
        return None
    key = ("day", day, interval_minutes, _calls_stamp())
    return dict(_figures.get_or_build(key, build=lambda: _day_kpis(day, interval_minutes)))


def _day_kpis(day: date, interval_minutes: int) -> dict[str, Any]:
    start, end = _day_span(day)
    step = timedelta(minutes=interval_minutes)
    starts = [start + k * step for k in range((end - start) // step)]
    counts = _slot_counts([*starts, end])
    totals = call_rates(_combined(counts))
    rows = []
    for at, row in zip(starts, counts, strict=True):
        entry = call_rates({"start": at, **row})
        entry["agents_needed"] = _agents_needed(entry, interval_minutes, totals["aht_seconds"])
        rows.append(entry)
    return {"day": day, "interval_minutes": interval_minutes, "totals": totals, "rows": rows}


def _agents_needed(
    entry: dict[str, Any], interval_minutes: int, day_aht: float | None
) -> int | None:
    """Erlang C at the default target (80 % within 15 s), as the KPI report's intervals do."""
    aht = entry["aht_seconds"] or day_aht
    if not aht:
        return None
    plan = erlang.staff_interval(
        calls=entry["offered"], interval_minutes=interval_minutes, aht_seconds=aht
    )
    return plan.agents


def period_kpis(*, user: User, since: date, until: date) -> dict[str, Any] | None:
    """话务指标 per local day from ``since`` to ``until`` (both included), with totals."""
    if not can_run_callcenter(user):
        return None
    key = ("period", since, until, _calls_stamp())
    return dict(_figures.get_or_build(key, build=lambda: _period_kpis(since, until)))


def _period_kpis(since: date, until: date) -> dict[str, Any]:
    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    counts = _slot_counts([*(_day_span(day)[0] for day in days), _day_span(until)[1]])
    rows = [call_rates({"day": day, **row}) for day, row in zip(days, counts, strict=True)]
    return {"since": since, "until": until, "totals": call_rates(_combined(counts)), "rows": rows}


def agent_names() -> dict[str, str]:
    """Agent id → the person's name, for the agents who have an account (the id is the
    username; a log's extension with no account keeps its id)."""
    return {
        username: name or username
        for username, name in User.objects.filter(role=Role.AGENT).values_list(
            "username", "first_name"
        )
    }


def agent_board(*, user: User) -> list[dict[str, Any]]:
    """Each agent with an account: the state they set on the intake page (示闲 / 示忙 / 签出),
    since when, and today's pauses (how many, minutes)."""
    if not can_run_callcenter(user):
        return []
    now = clock.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    names = agent_names()
    today: dict[str, list[AgentStateChange]] = {}
    for change in AgentStateChange.objects.filter(agent__in=names, at__gte=midnight).order_by(
        "at", "id"
    ):
        today.setdefault(change.agent, []).append(change)
    board = []
    for agent, name in sorted(names.items()):
        changes = today.get(agent, [])
        before = AgentStateChange.objects.filter(agent=agent, at__lt=midnight).first()
        state = before.state if before else AgentStateChange.LOGGED_OUT
        since: datetime | None = before.at if before else None
        reason = before.reason if before else ""
        paused_from = midnight if state == AgentStateChange.PAUSED else None
        pauses, seconds = (1 if paused_from else 0), 0.0
        for change in changes:
            if paused_from is not None:
                seconds += (change.at - paused_from).total_seconds()
                paused_from = None
            if change.state == AgentStateChange.PAUSED:
                paused_from = change.at
                pauses += 1
            state, reason, since = change.state, change.reason, change.at
        if paused_from is not None:
            seconds += (now - paused_from).total_seconds()
        board.append(
            {
                "agent": agent,
                "name": name,
                "state": state,
                "reason": reason,
                "since": since,
                "pauses": pauses,
                "paused_minutes": seconds / 60,
            }
        )
    return board


def latest_agent_day() -> date:
    """The last day with agent findings, else the last with calls (the night shift's spans run
    past midnight into a day that has no calls)."""
    last = AgentFinding.objects.aggregate(last=Max("day"))["last"]
    return last or latest_call_day()


def log_agents_on(*, user: User, day: date) -> list[dict[str, Any]]:
    """Per agent of the imported logs on ``day``: the state of the day's last span and since
    when, logged-in and paused minutes (clipped to the day), pauses, answered calls."""
    if not can_run_callcenter(user):
        return []
    start, end = _day_span(day)
    rows: dict[str, dict[str, Any]] = {}
    spans = AgentStateSpan.objects.filter(started_at__lt=end, ended_at__gt=start).order_by(
        "agent", "started_at"
    )
    for agent, state, reason, began, ended in spans.values_list(
        "agent", "state", "reason", "started_at", "ended_at"
    ):
        row = rows.setdefault(
            agent,
            {"agent": agent, "logged_in": 0.0, "paused": 0.0, "pauses": 0, "reasons": {}},
        )
        minutes = (min(ended, end) - max(began, start)).total_seconds() / 60
        if state != "logged_out":
            row["logged_in"] += minutes
        if state == "paused":
            row["paused"] += minutes
            row["pauses"] += 1
            label = reason or "未注明"
            row["reasons"][label] = row["reasons"].get(label, 0.0) + minutes
        row.update(state=state, reason=reason, since=began)
    answered = dict(
        Call.objects.filter(
            direction=Call.IN, entered_at__gte=start, entered_at__lt=end, outcome="answered"
        )
        .values("agent")
        .annotate(n=Count("id"))
        .values_list("agent", "n")
    )
    for agent, count in answered.items():
        rows.setdefault(
            agent,
            {"agent": agent, "logged_in": 0.0, "paused": 0.0, "pauses": 0, "reasons": {}},
        )["answered"] = count
    return [{"answered": 0, **row} for _, row in sorted(rows.items())]


def agent_findings_on(*, user: User, day: date) -> list[dict[str, Any]]:
    """The agent findings (long_busy, away_from_post) of ``day``, each with the agent's state
    spans that overlap it: the evidence, as times, beside the log's line numbers."""
    findings = agent_finding_list(user=user).filter(day=day).order_by("detector", "agent")
    result = []
    for finding in findings:
        spans: list[AgentStateSpan] = []
        if finding.started_at and finding.ended_at:
            spans = list(
                AgentStateSpan.objects.filter(
                    agent=finding.agent,
                    started_at__lt=finding.ended_at,
                    ended_at__gt=finding.started_at,
                ).order_by("started_at")[:EVIDENCE_SPANS]
            )
        result.append({"finding": finding, "spans": spans})
    return result


EVIDENCE_SPANS = 12


# -- 未接来电回拨: the agents' worklist -----------------------------------------------------------

# Who sees the worklist (Area.WORKLIST); agents and dispatchers dial, so they see the number.
WORKLIST_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.DIRECTOR})
DIALLING_ROLES = frozenset({Role.AGENT, Role.DISPATCHER})
WORKLIST_ROWS = 200


def callback_window() -> int:
    """回拨时限: ``HOTLINE_CALLBACK_WINDOW_HOURS`` (default 24) in minutes."""
    return max(1, round(float(getattr(settings, "HOTLINE_CALLBACK_WINDOW_HOURS", 24)) * 60))


def callback_worklist(*, user: User, limit: int = WORKLIST_ROWS) -> dict[str, Any] | None:
    """Abandoned inbound calls with a number that nobody has reached by a callback and whose
    caller has not got through since, oldest first: each with its time limit (abandoned at +
    the window), whether it is overdue, and the callback attempts that did not reach the
    caller. The director reads it with the numbers masked; None for any other role."""
    role = user.hotline_role
    if role not in WORKLIST_ROLES:
        return None
    window = timedelta(minutes=callback_window())
    now = clock.now()
    outbound = Call.objects.filter(
        direction=Call.OUT,
        caller_key=OuterRef("caller_key"),
        entered_at__gte=OuterRef("abandoned_at"),
    )
    again = Call.objects.filter(
        direction=Call.IN,
        outcome="answered",
        caller_key=OuterRef("caller_key"),
        entered_at__gt=OuterRef("abandoned_at"),
    )
    pending = (
        Call.objects.filter(direction=Call.IN, outcome="abandoned")
        .exclude(caller_key="")
        .annotate(abandoned_at=Coalesce("ended_at", "entered_at"))
        .filter(abandoned_at__isnull=False)
        .annotate(
            reached=Exists(outbound.filter(outcome="answered")),
            called_again=Exists(again),
        )
        .filter(reached=False, called_again=False)
        .order_by("abandoned_at", "call_id")
    )
    total = pending.count()
    calls = list(pending[:limit])
    attempts: dict[str, list[Call]] = {}
    if calls:
        tried = Call.objects.filter(
            direction=Call.OUT,
            caller_key__in={call.caller_key for call in calls},
            entered_at__gte=min(call.abandoned_at for call in calls),
        ).order_by("entered_at")
        for call in tried:
            attempts.setdefault(call.caller_key, []).append(call)
    dialling = role in DIALLING_ROLES
    rows = []
    for call in calls:
        deadline = call.abandoned_at + window
        mine = [a for a in attempts.get(call.caller_key, []) if a.entered_at >= call.abandoned_at]
        rows.append(
            {
                "call_id": call.call_id,
                "number": call.caller if dialling else mask_phone(call.caller),
                "abandoned_at": call.abandoned_at,
                "deadline": deadline,
                "overdue": deadline < now,
                "attempts": len(mine),
                "last_outcome": mine[-1].outcome if mine else "",
            }
        )
    return {
        "rows": rows,
        "total": total,
        "overdue": sum(1 for row in rows if row["overdue"]),
        "window_hours": window.total_seconds() / 3600,
        "may_record": dialling,
    }
