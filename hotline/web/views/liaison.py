"""联络员工作台 ``/liaison/``: the orders of the liaison's scope needing attention, the findings on
them, and the key orders (重点工单), each markable with a note and handed to an inspector's case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import LifecycleError
from hotline.domain.policy import Area
from hotline.domain.supervision.cases import CaseError
from hotline.supervision import liaison
from hotline.web.access import for_area
from hotline.web.views.orders import signed_in_user
from hotline.workorders.services import NotFound, workorder_mark_key

FINDINGS_SHOWN = 100
NOTE_MAX = 2000
_CASE_REFUSALS = {
    "order": _("没有这张工单，或它不在您的分管范围内。"),
    "case": _("请选择一个案件。"),
    "action": _("该案件已不再接收工单。"),
}


@for_area(Area.LIAISON)
def workbench(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        if request.POST.get("do") == "hand":
            _hand(request)
        else:
            _mark(request)
        return redirect("web:liaison")
    findings = liaison.liaison_findings(user=user)
    return render(
        request,
        "web/liaison.html",
        {
            "attention": liaison.attention_orders(user=user, findings=findings),
            "findings": findings[:FINDINGS_SHOWN],
            "finding_total": len(findings),
            "key_orders": liaison.key_orders(user=user),
            "cases": liaison.open_cases(user=user),
            "scopes": _scopes(request),
        },
    )


def _scopes(request: HttpRequest) -> list[tuple[str, str]]:
    """The liaison's units and areas, as (kind, code) for the page's names."""
    user = signed_in_user(request)
    return [
        ("unit", unit) if unit else ("area", area)
        for unit, area in user.liaison_scopes.values_list("unit__code", "area").order_by("id")
    ]


def _mark(request: HttpRequest) -> None:
    number = request.POST.get("order", "").strip()[:64]
    note = request.POST.get("note", "").strip()
    if not note:
        messages.error(request, gettext("请填写标记说明（说明）。"))
        return
    if len(note) > NOTE_MAX:
        messages.error(request, gettext("说明最多 2000 字。"))
        return
    try:
        workorder_mark_key(actor=signed_in_user(request), order=number, note=note)
    except NotFound:
        messages.error(request, gettext("没有这张工单，或它不在您的分管范围内。"))
    except LifecycleError:
        messages.error(request, gettext("这张工单现在不能标记为重点工单。"))
    else:
        messages.success(request, gettext("已标记重点工单 %(order)s。") % {"order": number})


def _hand(request: HttpRequest) -> None:
    number = request.POST.get("order", "").strip()[:64]
    case = request.POST.get("case", "").strip()[:64]
    if not case:
        messages.error(request, gettext("请选择一个案件。"))
        return
    try:
        row = liaison.order_hand_to_case(
            actor=signed_in_user(request),
            order=number,
            case=case,
            note=request.POST.get("note", "")[:NOTE_MAX],
        )
    except liaison.AlreadyHanded:
        messages.error(request, gettext("这张工单已在该案件中。"))
    except CaseError as exc:
        messages.error(request, str(_CASE_REFUSALS.get(exc.field, _("无法移交该工单。"))))
    else:
        messages.success(
            request,
            gettext("已将工单 %(order)s 移交案件 %(case)s（%(title)s）。")
            % {"order": number, "case": row.number, "title": row.title},
        )
