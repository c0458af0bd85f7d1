"""派单员 queues and 承办单位 inbox."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hotline.domain.lifecycle import OPEN_STATES, State
from hotline.domain.policy import Area
from hotline.supervision.circulars import circulars_naming
from hotline.supervision.selectors import rectifications_for
from hotline.web.access import for_area
from hotline.web.views.assist_queues import assist_inbox, reassign_queue
from hotline.web.views.orders import PAGE_SIZE, order_rows, signed_in_user, with_hours_left
from hotline.workorders import selectors
from hotline.workorders.follow_ups import follow_ups_due
from hotline.workorders.totals import TotalPaginator, list_total
from hotline.workorders.unit_review_selectors import my_submissions, review_waiting

# The oldest of each queue; its count and 全部 lead to the whole list. Five queues of 50 rows
# made the page's rendering most of its time at a province's size (bench/pg_scale.py).
QUEUE_SIZE = 20


@for_area(Area.DISPATCH)
def dispatch_queue(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    orders = selectors.restrict_orders(user).order_by("created_at")
    queues = [
        (_("待派单"), "state=received", orders.filter(state=State.RECEIVED)),
        (
            _("退单审核"),
            "state=return_review",
            orders.filter(state=State.RETURN_REVIEW),
        ),
        (
            _("办结审核"),
            "state=close_review",
            orders.filter(state=State.CLOSE_REVIEW),
        ),
        (_("延期审核"), "extension=1", orders.filter(extension_pending=True)),
        (_("待回访"), "followup=1", follow_ups_due(user)),
    ]
    return render(
        request,
        "web/dispatch.html",
        {
            "queues": [
                (title, query, list_total(qs), order_rows(user, qs[:QUEUE_SIZE]))
                for title, query, qs in queues
            ],
            **reassign_queue(user=user),
        },
    )


@for_area(Area.INBOX)
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    led = Q(current_unit=user.unit_code, state__in=[str(s) for s in OPEN_STATES])
    orders = selectors.restrict_unit_part(user, user.unit_code, led).order_by(
        "handle_deadline", "created_at"
    )
    # 50 a page, most urgent first: a unit's open orders can run to hundreds, and the page is
    # read many times a day (each row costs its rendering, bench/README "PostgreSQL at 10 M").
    paginator = TotalPaginator(orders, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = with_hours_left(order_rows(user, page.object_list))
    named = circulars_naming(unit=user.unit_code)[:5] if user.unit_code else []
    return render(
        request,
        "web/inbox.html",
        {
            "rows": rows,
            "page": page,
            "total": paginator.total,
            "query": "",
            "circulars": named,
            "rectifications": rectifications_for(user=user),
            **assist_inbox(user=user),
            "review_waiting": review_waiting(user=user),
            "my_submissions": my_submissions(user=user),
        },
    )
