"""热点预警 pages: the live hotspots (dispatchers merge or send a whole one at once) and the
leaders' weekly list of recurring matters (近期反复出现的问题, the Teddy Cup's 热点问题表)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from hotline.accounts.access import center_unit
from hotline.accounts.models import Unit
from hotline.dispatch import hotspots as hot
from hotline.domain.hotspots.cluster import Hotspot
from hotline.domain.lifecycle import LifecycleError, Role, State
from hotline.web import labels
from hotline.web.access import for_roles, role_of
from hotline.web.export import xlsx_response
from hotline.web.views.hotspot_notice import topic_text
from hotline.web.views.orders import signed_in_user
from hotline.workorders.hotspot_services import hotspot_dispatch, hotspot_merge


def _order_rows(numbers: list[str], rows: dict[str, Any]) -> list[dict[str, Any]]:
    shown = []
    for number in numbers:
        order = rows.get(number)
        if order is None:
            continue
        shown.append(
            {
                "number": number,
                "state": labels.label(labels.STATES, order.state),
                "waiting": order.state == State.RECEIVED,
                "unit": labels.unit_name(order.current_unit) if order.current_unit else "",
                "created_at": order.created_at,
            }
        )
    return shown


def hotspot_view(hotspot: Hotspot, rows: dict[str, Any]) -> dict[str, Any]:
    orders = _order_rows(hotspot.orders, rows)
    return {
        "anchor": hot.hotspot_anchor(hotspot),
        "place": hotspot.place,
        "topic": topic_text(hotspot.topic),
        "count": hotspot.count,
        "callers": hotspot.callers,
        "heat": hotspot.heat,
        "growing": hotspot.growing,
        "start": hotspot.start,
        "end": hotspot.end,
        "category": hotspot.category,
        "orders": orders,
        "numbers": [o["number"] for o in orders],
        "waiting": sum(o["waiting"] for o in orders),
    }


@for_roles(hot.HOTSPOT_READERS)
def hotspot_list(request: HttpRequest) -> HttpResponse:
    found = hot.live_hotspots()
    rows = hot.orders_of(n for h in found for n in h.orders)
    return render(
        request,
        "web/hotspots.html",
        {
            "hotspots": [hotspot_view(h, rows) for h in found],
            "may_act": role_of(request) == Role.DISPATCHER,
            "may_read_recurring": role_of(request) in hot.RECURRING_READERS,
            "units": Unit.objects.filter(is_active=True).exclude(code=center_unit()),
            "limits": hot.hotspot_limits(),
        },
    )


@for_roles(Role.DISPATCHER)
def hotspot_act(request: HttpRequest) -> HttpResponse:
    """并入工单 / 全部派给 for one hotspot, from the form beside it."""
    back = reverse("web:hotspots")
    if request.method != "POST":
        return redirect(back)
    user = signed_in_user(request)
    numbers = request.POST.getlist("orders")
    action = request.POST.get("action", "")
    try:
        if action == "merge":
            outcome = hotspot_merge(actor=user, orders=numbers, into=request.POST.get("into", ""))
            done = gettext("%(n)s 件并单") % {"n": len(outcome.done)}
        elif action == "dispatch":
            to_unit = request.POST.get("to_unit", "")
            outcome = hotspot_dispatch(
                actor=user, orders=numbers, to_unit=to_unit, note=request.POST.get("note", "")
            )
            done = gettext("%(n)s 件派出（%(unit)s）") % {
                "n": len(outcome.done),
                "unit": labels.unit_name(to_unit),
            }
        else:
            messages.error(request, gettext("未知操作"))
            return redirect(back)
    except LifecycleError as exc:
        refused = gettext("热点处置未执行，工单均未改动")
        messages.error(request, f"{refused}: {exc}")
        return redirect(back)
    skipped = gettext("%(n)s 件跳过") % {"n": len(outcome.skipped)}
    messages.success(request, f"{done} / {skipped} ✓")
    anchor = numbers[0] if numbers else ""
    return redirect(f"{back}#hotspot-{anchor}" if anchor else back)


def _weeks(request: HttpRequest) -> tuple[int | None, str]:
    raw = request.GET.get("weeks", "").strip()
    low, high = hot.RECURRING_WEEKS
    if not raw:
        return hot.RECURRING_DEFAULT_WEEKS, ""
    try:
        weeks = int(raw)
    except ValueError:
        weeks = 0
    if not low <= weeks <= high:
        return None, gettext("周数：请填写 %(low)s 到 %(high)s 之间的整数") % {
            "low": low,
            "high": high,
        }
    return weeks, ""


@for_roles(hot.RECURRING_READERS)
def recurring(request: HttpRequest) -> HttpResponse:
    weeks, error = _weeks(request)
    low, high = hot.RECURRING_WEEKS
    if weeks is None:
        return render(
            request,
            "web/hotspots_recurring.html",
            {
                "rows": [],
                "weeks": request.GET.get("weeks", "")[:10],
                "error": error,
                "low": low,
                "high": high,
            },
            status=422,
        )
    problems = hot.recurring_problems(weeks=weeks)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "recurring.xlsx",
            gettext("反复出现的问题"),
            (
                gettext("排名"),
                gettext("热度"),
                gettext("开始"),
                gettext("结束"),
                gettext("地点或人群"),
                gettext("关键词"),
                gettext("问题描述"),
                gettext("工单数"),
                gettext("来电人数"),
                gettext("工单"),
            ),
            (
                (
                    p["rank"],
                    p["heat"],
                    labels.local_time(p["start"]),
                    labels.local_time(p["end"]),
                    p["place"],
                    topic_text(p["topic"]),
                    p["description"],
                    p["count"],
                    p["callers"],
                    "、".join(p["orders"]),
                )
                for p in problems
            ),
        )
    rows = [{**p, "topic": topic_text(p["topic"])} for p in problems]
    return render(
        request,
        "web/hotspots_recurring.html",
        {"rows": rows, "weeks": weeks, "error": "", "low": low, "high": high},
    )
