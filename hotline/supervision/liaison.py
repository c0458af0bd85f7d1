"""联络员 (liaison officers): what they read and the one case step they take.

A liaison officer is stationed by the discipline inspectors (纪委监委) with the hotline center and
assigned to units or areas (``LiaisonScope``; an assigned district takes in its streets). They
read the orders of that scope as supervisors do (masked, reveals logged), the supervision
findings on those orders only, and the key orders (重点工单) marked in it; they hand a key order
to an inspector's case that is still being worked, and of a case read its number and title only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import User
from hotline.domain.lifecycle import OPEN_STATES, Action, Role
from hotline.domain.supervision.cases import TRANSITIONS, CaseAction, CaseError
from hotline.supervision import selectors, services
from hotline.supervision.models import CaseOrder, SupervisionCase
from hotline.workorders.models import WorkOrderEvent
from hotline.workorders.selectors import restrict_orders

KEY_ORDERS_MAX = 200
ATTENTION_MAX = 200
# The cases an order may be handed to: those that still take orders (立线索, 核实, 整改).
ATTACHABLE_STATES = tuple(sorted(TRANSITIONS[CaseAction.ATTACH_ORDER][0]))


def is_liaison(user: User) -> bool:
    return user.hotline_role is Role.LIAISON


def liaison_findings(
    *, user: User, report: Callable[[], dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The supervision findings on orders of the liaison's scope, and no other: a finding
    without an order (an agent's) or on an order outside the scope never shows."""
    if not is_liaison(user):
        return []
    build = report or selectors.supervision_report_cached
    findings = [f for f in build().get("findings", []) if f.get("order")]
    numbers = {str(f["order"]) for f in findings}
    in_scope = set(
        restrict_orders(user).filter(number__in=numbers).values_list("number", flat=True)
    )
    return [f for f in findings if f["order"] in in_scope]


def attention_orders(*, user: User, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open orders of the scope needing attention: those with findings, and those past their
    handling deadline; most findings first, then the longest overdue."""
    if not is_liaison(user):
        return []
    now = clock.now()
    by_order: defaultdict[str, list[str]] = defaultdict(list)
    for finding in findings:
        by_order[str(finding["order"])].append(str(finding["detector"]))
    open_orders = restrict_orders(user).filter(state__in=[str(s) for s in OPEN_STATES])
    flagged = list(open_orders.filter(number__in=list(by_order)))
    overdue = open_orders.filter(handle_deadline__lt=now, closed_at__isnull=True)
    rows: dict[str, dict[str, Any]] = {}
    for order in [*flagged, *overdue.order_by("handle_deadline")[:ATTENTION_MAX]]:
        late = bool(order.handle_deadline and order.handle_deadline < now)
        rows[order.number] = {
            "order": order,
            "detectors": sorted(set(by_order.get(order.number, []))),
            "finding_count": len(by_order.get(order.number, [])),
            "overdue": late,
        }
    ranked = sorted(
        rows.values(),
        key=lambda r: (-r["finding_count"], not r["overdue"], r["order"].handle_deadline or now),
    )
    return ranked[:ATTENTION_MAX]


def key_orders(*, user: User) -> list[dict[str, Any]]:
    """重点工单 of the scope: every mark_key event (order, note, who, when), newest first, with
    the cases each order has been handed to (numbers and titles only)."""
    if not is_liaison(user):
        return []
    marks = list(
        WorkOrderEvent.objects.filter(action=str(Action.MARK_KEY), order__in=restrict_orders(user))
        .select_related("order")
        .order_by("-at", "-id")[:KEY_ORDERS_MAX]
    )
    numbers = {mark.order.number for mark in marks}
    handed: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in CaseOrder.objects.filter(order__in=numbers).select_related("case").order_by("id"):
        handed[row.order].append({"number": row.case.number, "title": row.case.title})
    return [
        {
            "order": mark.order,
            "note": str(mark.data.get("note", "")),
            "actor": mark.actor,
            "at": mark.at,
            "cases": handed.get(mark.order.number, []),
        }
        for mark in marks
    ]


def open_cases(*, user: User) -> list[dict[str, str]]:
    """The cases still taking orders, as a liaison sees them: number and title, nothing else."""
    if not (is_liaison(user) or can_supervise(user)):
        return []
    rows = SupervisionCase.objects.filter(state__in=ATTACHABLE_STATES).order_by("-opened_at")
    return [{"number": n, "title": t} for n, t in rows.values_list("number", "title")[:200]]


class AlreadyHanded(CaseError):
    """The order is already one of the case's."""


def order_hand_to_case(*, actor: User, order: str, case: str, note: str = "") -> SupervisionCase:
    """移交线索: a liaison hands an order of their scope to a case still being worked; the case
    stream records ``attach_order`` by the liaison (with the note as its explanation)."""
    number = order.strip()
    if not restrict_orders(actor).filter(number=number).exists():
        raise CaseError("order", f"no work order {number!r}")
    row = SupervisionCase.objects.filter(number=case.strip()).first()
    if row is None:
        raise CaseError("case", f"no supervision case {case.strip()!r}")
    if CaseOrder.objects.filter(case=row, order=number).exists():
        raise AlreadyHanded("order", f"{number} is already attached to case {row.number}")
    return services.case_attach_order(
        actor=actor, case=row.number, order=number, detector="", explanation=note.strip()[:2000]
    )
