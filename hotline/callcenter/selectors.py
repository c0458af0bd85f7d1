"""Every read of the call-center app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.callcenter.models import AgentFinding, AgentStateChange, CallLogImport
from hotline.workorders.models import WorkOrder


def order_call_ids() -> set[str]:
    """Call ids that a work order was created from: the numerator of 受理率."""
    return set(WorkOrder.objects.exclude(call_id="").values_list("call_id", flat=True))


def agent_finding_list(
    *, user: User, detector: str | None = None, agent: str | None = None
) -> QuerySet[AgentFinding]:
    if not can_supervise(user):
        return AgentFinding.objects.none()
    findings = AgentFinding.objects.all()
    if detector:
        findings = findings.filter(detector=detector)
    if agent:
        findings = findings.filter(agent=agent)
    return findings


def calllog_import_list(*, user: User) -> QuerySet[CallLogImport]:
    if not can_supervise(user):
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
