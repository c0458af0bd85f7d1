"""Order list totals: exact for ordinary lists; above HOTLINE_ESTIMATED_TOTAL_ABOVE on
PostgreSQL the planner's estimate, shown as "约 N 条（估计）" on the page and as
``count_estimated`` in the API, with every row still reachable page by page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from hotline.domain.lifecycle import State
from hotline.web.views import orders as order_views
from hotline.web.views import queues as queue_views
from hotline.workorders import totals
from hotline.workorders.models import WorkOrder
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planner that expects 120 rows of any list, as PostgreSQL's EXPLAIN would answer."""
    monkeypatch.setattr(totals, "planner_rows", lambda queryset: 120)


def _orders(world: World, count: int) -> list[str]:
    return [world.create(text=f"第{i}件噪音").number for i in range(count)]


def test_a_small_list_is_counted_exactly(world: World, settings: Any) -> None:
    _orders(world, 3)
    page = force_login_verified(Client(), world.admin).get("/orders/").content.decode()
    assert "第 1 / 1 页 · 共 3 条" in page and "估计" not in page
    listed = Api(world.admin).get("/orders").json()
    assert (listed["count"], listed["count_estimated"]) == (3, False)


@pytest.mark.usefixtures("planner_says")
def test_a_large_list_shows_the_estimate_and_still_pages_to_its_end(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.HOTLINE_ESTIMATED_TOTAL_ABOVE = 3
    monkeypatch.setattr(order_views, "PAGE_SIZE", 2)
    numbers = _orders(world, 5)
    admin = force_login_verified(Client(), world.admin)
    first = admin.get("/orders/").content.decode()
    assert "第 1 / 约 60 页 · 约 120 条（估计）" in first
    seen = []
    for number in range(1, 5):
        page = admin.get(f"/orders/?page={number}").content.decode()
        seen += [n for n in numbers if f"/orders/{n}/" in page]
        if number == 3:  # the last real page: one order, no link further
            assert "下一页" not in page
    assert sorted(seen) == sorted(numbers)  # none out of reach, none twice
    beyond = admin.get("/orders/?page=4").content.decode()
    assert "这一页已超出列表的末尾" in beyond and "没有工单" in beyond
    listed = Api(world.admin).get("/orders").json()
    assert (listed["count"], listed["count_estimated"]) == (120, True)
    queues = force_login_verified(Client(), world.dispatcher).get("/dispatch/").content.decode()
    assert "约 120" in queues  # 待派单: five orders, the planner expects 120


@pytest.mark.usefixtures("planner_says")
def test_an_overestimated_small_list_is_still_exact(world: World, settings: Any) -> None:
    settings.HOTLINE_ESTIMATED_TOTAL_ABOVE = 10
    _orders(world, 4)  # the planner expects 120, the bounded count finds 4
    listed = Api(world.admin).get("/orders").json()
    assert (listed["count"], listed["count_estimated"]) == (4, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's")
def test_postgresql_estimates_from_its_planner(world: World, settings: Any) -> None:
    settings.HOTLINE_ESTIMATED_TOTAL_ABOVE = 0
    assert totals.list_total(WorkOrder.objects.all()) == totals.Total(0)
    _orders(world, 2)
    # The estimate is the planner's, from the table's statistics: fresh ones, or it may say 1.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {WorkOrder._meta.db_table}")
    total = totals.list_total(WorkOrder.objects.all())
    assert total.estimated and total.count >= 2


def test_the_inbox_pages_the_units_open_orders_most_urgent_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 2)
    numbers = [
        world.walk(world.create(text=f"第{i}件噪音"), State.HANDLING).number for i in range(3)
    ]
    handler = force_login_verified(Client(), world.handler_a)
    first = handler.get("/inbox/").content.decode()
    second = handler.get("/inbox/?page=2").content.decode()
    assert "第 1 / 2 页 · 共 3 条" in first and "下一页" in first
    assert "第 2 / 2 页 · 共 3 条" in second and "上一页" in second
    shown = [[n for n in numbers if f"/orders/{n}/" in page] for page in (first, second)]
    assert shown == [numbers[:2], numbers[2:]]  # same deadline rule: the oldest first
    last = handler.get("/inbox/?page=9").content.decode()  # past the end: the last page
    assert "第 2 / 2 页" in last


def test_the_dispatch_queues_show_the_oldest_and_lead_to_the_whole_list(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_views, "QUEUE_SIZE", 2)
    numbers = _orders(world, 3)
    page = force_login_verified(Client(), world.dispatcher).get("/dispatch/").content.decode()
    assert [n for n in numbers if f"/orders/{n}/" in page] == numbers[:2]
    assert 'href="/orders/?state=received"' in page
