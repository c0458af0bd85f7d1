"""未接来电回拨: the agents' worklist of abandoned calls to call back, one click to record each."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.callcenter.selectors import callback_worklist
from hotline.callcenter.services import CallNotFound, callback_record
from hotline.domain.lifecycle import GuardFailed, NotAllowed
from hotline.domain.policy import Area
from hotline.web.access import for_area
from hotline.web.views.orders import signed_in_user

# How an outbound call ended, as the agent records it.
OUTCOMES = {
    "answered": _("接通"),
    "no_answer": _("无人接听"),
    "busy": _("忙线"),
    "failed": _("失败"),
}
_REFUSALS = {
    "outcome": _("请选择回拨结果。"),
    "note": _("说明最多 500 字。"),
    "call_id": _("该来电人已经回拨接通，无需再次登记。"),
}


@for_area(Area.WORKLIST)
def callbacks(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if request.method == "POST":
        _record(request)
        return redirect("web:callbacks")
    worklist = callback_worklist(user=user) or {"rows": [], "total": 0, "overdue": 0}
    for row in worklist["rows"]:
        row["last_outcome_name"] = OUTCOMES.get(row["last_outcome"], "")
    return render(
        request, "web/callbacks.html", {"worklist": worklist, "outcomes": OUTCOMES.items()}
    )


def _record(request: HttpRequest) -> None:
    try:
        call = callback_record(
            actor=signed_in_user(request),
            call_id=request.POST.get("call_id", "")[:64],
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except NotAllowed:
        messages.error(request, gettext("只有话务员和派单员可以登记回拨。"))
    except CallNotFound:
        messages.error(request, gettext("没有这通未接来电，无法登记回拨。"))
    except GuardFailed as exc:
        messages.error(request, str(_REFUSALS.get(exc.field, exc.message)))
    else:
        messages.success(
            request,
            gettext("已登记回拨：%(outcome)s。") % {"outcome": OUTCOMES[call.outcome]},
        )
