"""话务员 intake: a keyboard-first form; suggestions, duplicates and knowledge answers beside it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from hotline.callcenter.models import AgentStateChange
from hotline.callcenter.selectors import agent_state_today
from hotline.callcenter.services import agent_state_set
from hotline.dispatch import hotspots as hotspot_selectors
from hotline.dispatch import selectors as dispatch_selectors
from hotline.domain.lifecycle import GuardFailed, LifecycleError, Role
from hotline.reference.models import Area, Category
from hotline.web import labels
from hotline.web.access import for_roles
from hotline.web.forms import order_create
from hotline.web.views.citizen import tracking_code
from hotline.web.views.hotspot_notice import topic_text
from hotline.web.views.orders import order_rows, signed_in_user
from hotline.workorders import selectors

INTAKE_FIELDS = (
    "kind",
    "category",
    "text",
    "location",
    "area",
    "urgency",
    "caller_name",
    "caller_phone",
    "caller_address",
    "call_id",
)


def _context(
    request: HttpRequest, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "agent_state": agent_state_today(agent=signed_in_user(request).username),
        "pause_reasons": AgentStateChange.REASONS,
        "values": values,
        "errors": errors,
        "kinds": labels.KINDS,
        "categories": Category.objects.filter(is_active=True),
        "areas": Area.objects.select_related("parent"),
    }


@for_roles(Role.AGENT)
def intake(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "web/intake.html", _context(request, {"kind": "complaint"}, {}))
    try:
        order, values, errors = order_create(
            actor=signed_in_user(request),
            data=request.POST,
            fields=INTAKE_FIELDS,
            channel="phone",
            suggest=dispatch_selectors.recorded_suggestions,
        )
    except LifecycleError as exc:
        messages.error(request, str(exc))
        return redirect("web:intake")
    if order is None:
        return render(request, "web/intake.html", _context(request, values, errors), status=422)
    # The agent reads the 查询码 to the caller, who can follow the order on /track/ with it.
    messages.success(
        request,
        gettext("已受理 %(number)s，查询码 %(code)s")
        % {"number": order.number, "code": tracking_code(order.number)},
    )
    return redirect("web:order", number=order.number)


@for_roles(Role.AGENT)
def agent_state(request: HttpRequest) -> HttpResponse:
    """示闲 / 示忙 (with a reason) / 签出, from the bar above the intake form."""
    if request.method == "POST":
        try:
            agent_state_set(
                agent=signed_in_user(request).username,
                state=request.POST.get("state", ""),
                reason=request.POST.get("reason", ""),
            )
        except GuardFailed as exc:
            messages.error(request, f"{labels.field_label(exc.field)}: {exc.message}")
    return redirect("web:intake")


@for_roles(Role.AGENT, Role.DISPATCHER, Role.ADMIN)
def intake_assist(request: HttpRequest) -> HttpResponse:
    """The htmx partial beside the form: refreshed as the agent types."""
    user = signed_in_user(request)
    data = request.POST if request.method == "POST" else request.GET
    text = data.get("text", "").strip()[:10000]
    phone = data.get("caller_phone", "").strip()[:32]
    assist = (
        dispatch_selectors.intake_assist(
            user=user,
            text=text,
            caller_phone=phone,
            location=data.get("location", "").strip()[:300],
            area=data.get("area", "").strip()[:64],
            category=data.get("category", "").strip()[:64],
        )
        if text
        else None
    )
    history = (
        order_rows(user, selectors.restrict_orders(user).filter(caller_phone=phone)[:5])
        if len(phone) >= 7
        else []
    )
    return render(
        request,
        "web/_assist.html",
        {"assist": assist, "history": history, "hotspot": _draft_hotspot(data, text)},
    )


def _draft_hotspot(data: Any, text: str) -> dict[str, Any] | None:
    """热点预警 at intake: the growing live hotspot this request would join, if any."""
    if not text:
        return None
    joined = hotspot_selectors.draft_hotspot(
        text=text,
        location=data.get("location", "").strip()[:300],
        caller_phone=data.get("caller_phone", "").strip()[:32],
        category=data.get("category", "").strip()[:64],
        area=data.get("area", "").strip()[:64],
    )
    if joined is None or not joined.growing:
        return None
    return {
        "anchor": joined.anchor,
        "place": joined.hotspot.place,
        "topic": topic_text(joined.hotspot.topic),
        "count": joined.existing,
    }
