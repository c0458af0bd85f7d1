"""Every read of the call-center app."""

from __future__ import annotations

from django.db.models import QuerySet

from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.callcenter.models import AgentFinding, CallLogImport
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
