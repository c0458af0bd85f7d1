"""回访: the agents' worklist of closed orders due for a follow-up call, the unit's reply to read
out, and one form per row to record the call (workorder_follow_up)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import GuardFailed, LifecycleError, NotAllowed
from hotline.domain.policy import Area
from hotline.eventstore.store import VersionConflict
from hotline.web.access import for_area
from hotline.web.views.orders import signed_in_user
from hotline.workorders import selectors, services
from hotline.workorders.follow_ups import follow_up_worklist

NOTE_LIMIT = 500
ANSWERS = {"yes": True, "no": False, "": None}
_REFUSALS = {
    "reached": _("请选择是否联系上市民。"),
    "resolved": _("联系上市民时，请选择问题是否解决。"),
    "satisfied": _("联系上市民时，请选择市民是否满意。"),
}


@for_area(Area.WORKLIST)
def follow_ups(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    revealed = ""
    if request.method == "POST":
        if request.POST.get("reveal"):
            revealed = _reveal(request)
        else:
            _record(request)
            return redirect("web:follow_ups")
    worklist = follow_up_worklist(user=user, revealed=revealed)
    return render(request, "web/follow_ups.html", {"worklist": worklist})


def _reveal(request: HttpRequest) -> str:
    """查看完整号码: the caller's number for this one response, the read logged."""
    user = signed_in_user(request)
    number = request.POST.get("reveal", "")[:64]
    order = selectors.workorder_get(user=user, number=number)
    if order is None:
        messages.error(request, gettext("没有这张工单。"))
        return ""
    try:
        services.personal_data_reveal(user=user, order=order, purpose="回访")
    except NotAllowed:
        messages.error(request, gettext("您无权查看该来电人的完整号码。"))
        return ""
    return order.number


def _answer(request: HttpRequest, field: str) -> bool | None:
    value = request.POST.get(field, "")
    if value not in ANSWERS:
        raise GuardFailed(field, "must be yes or no")
    return ANSWERS[value]


def _record(request: HttpRequest) -> None:
    number = request.POST.get("number", "")[:64]
    note = request.POST.get("note", "").strip()
    try:
        if len(note) > NOTE_LIMIT:
            raise GuardFailed("note", "too long")
        reached = _answer(request, "reached")
        if reached is None:
            raise GuardFailed("reached", "required")
        version = request.POST.get("version", "")
        services.workorder_follow_up(
            actor=signed_in_user(request),
            order=number,
            reached=reached,
            resolved=_answer(request, "resolved") if reached else None,
            satisfied=_answer(request, "satisfied") if reached else None,
            note=note,
            expected_version=int(version) if version.isdigit() else None,
        )
    except GuardFailed as exc:
        if exc.field == "note":
            refusal = gettext("说明最多 %(limit)s 字。") % {"limit": NOTE_LIMIT}
        else:
            refusal = str(_REFUSALS.get(exc.field, exc.message))
        reason = {"number": number, "reason": refusal}
        messages.error(request, gettext("工单 %(number)s 未登记回访：%(reason)s") % reason)
    except VersionConflict:
        messages.error(
            request,
            gettext("工单 %(number)s 刚被他人更新，请核对后重新登记。") % {"number": number},
        )
    except services.NotFound:
        messages.error(request, gettext("没有这张工单。"))
    except NotAllowed:
        messages.error(request, gettext("只有话务员和派单员可以登记回访。"))
    except LifecycleError:
        messages.error(
            request,
            gettext("工单 %(number)s 已不在待回访状态。") % {"number": number},
        )
    else:
        messages.success(request, gettext("已登记工单 %(number)s 的回访。") % {"number": number})
