"""热点预警 pages as people use them: the live hotspots with names, not codes; a dispatcher
merges or sends a whole hotspot from the page; the leaders' weekly list and its bad input; the
intake notice and the order page's notice; who may see what."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.models import User
from hotline.domain.lifecycle import State
from hotline.workorders.models import WorkOrder
from tests.common.hotspots import LIGHTS, surge
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    return force_login_verified(Client(), user)


def page(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def test_the_hotspot_page_names_place_matter_orders_and_states(world: World) -> None:
    orders = surge(world)
    surge(world, LIGHTS, phone="1370000")
    world.create()  # a lone order is no hotspot

    html = page(signed_in(world.dispatcher), "/hotspots/")

    assert "幸福家园5号楼" in html and "朝阳路18号" in html and "停水" in html and "路灯" in html
    assert "正在增长" in html and "5 件" in html and "5 位来电人" in html
    assert f'href="/orders/{orders[0].number}/"' in html and "已受理" in html
    assert "并入工单" in html and "全部派给" in html and "市城管局" in html
    assert html.index("幸福家园5号楼") < html.index("朝阳路18号")  # hotter first
    assert "和平里小区3号楼" not in html
    assert ">received<" not in html and "property" not in html.replace('value="property"', "")


def test_readers_and_who_may_act(world: World) -> None:
    surge(world)
    agent = page(signed_in(world.agent), "/hotspots/")
    assert "幸福家园5号楼" in agent and "并入工单" not in agent  # agents read only
    for reader in (world.director, world.supervisor, world.admin):
        assert "幸福家园5号楼" in page(signed_in(reader), "/hotspots/")
    for outsider in (world.handler_a, world.lead_a, world.citizen, world.liaison):
        page(signed_in(outsider), "/hotspots/", status=404)
        page(signed_in(outsider), "/hotspots/recurring/", status=404)
    page(signed_in(world.agent), "/hotspots/recurring/", status=404)
    response = signed_in(world.agent).post("/hotspots/act/", {"action": "dispatch"})
    assert response.status_code == 404


def test_a_dispatcher_merges_and_dispatches_whole_hotspots_from_the_page(world: World) -> None:
    water = [o.number for o in surge(world)]
    lights = [o.number for o in surge(world, LIGHTS, phone="1370000")]
    dispatcher = signed_in(world.dispatcher)

    response = dispatcher.post(
        "/hotspots/act/", {"action": "merge", "orders": water, "into": water[0]}, follow=True
    )
    assert "4 件并单" in response.content.decode() and "0 件跳过" in response.content.decode()
    assert WorkOrder.objects.filter(number__in=water, state=State.MERGED).count() == 4

    response = dispatcher.post(
        "/hotspots/act/",
        {"action": "dispatch", "orders": [*lights, water[1]], "to_unit": "zhujian"},
        follow=True,
    )
    html = response.content.decode()
    assert "4 件派出（市住建局）" in html and "1 件跳过" in html
    assert set(
        WorkOrder.objects.filter(number__in=lights).values_list("state", "current_unit")
    ) == {(State.DISPATCHED, "zhujian")}

    response = dispatcher.post(
        "/hotspots/act/", {"action": "dispatch", "orders": [water[0]], "to_unit": ""}, follow=True
    )
    assert "热点处置未执行" in response.content.decode()


def test_the_recurring_list_and_its_bad_input(world: World) -> None:
    orders = surge(world)
    director = signed_in(world.director)

    html = page(director, "/hotspots/recurring/")
    assert "近期反复出现的问题" in html and "幸福家园5号楼" in html and "停水" in html
    assert f'href="/orders/{orders[0].number}/"' in html
    for bad in ("abc", "0", "13", "-1", "2.5"):
        html = page(director, f"/hotspots/recurring/?weeks={bad}", status=422)
        assert "周数：请填写 1 到 12 之间的整数" in html
    assert "幸福家园5号楼" in page(director, "/hotspots/recurring/?weeks=1")
    export = director.get("/hotspots/recurring/?weeks=2&export=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_intake_says_when_a_request_joins_a_growing_hotspot(world: World) -> None:
    surge(world)
    agent = signed_in(world.agent)
    joins = agent.post(
        "/intake/assist/",
        {
            "text": "幸福家园5号楼停水了，家里一直没水",
            "location": "幸福家园五号楼",
            "category": "property",
        },
    ).content.decode()
    assert "此诉求可能属于正在增长的热点" in joins and "幸福家园5号楼" in joins
    assert "已有 5 件" in joins and 'href="/hotspots/#hotspot-' in joins
    other = agent.post(
        "/intake/assist/", {"text": "公司拖欠三个月工资", "location": "建设路9号"}
    ).content.decode()
    assert "热点" not in other


def test_the_order_page_says_its_order_is_part_of_a_hotspot(world: World) -> None:
    orders = surge(world)
    lone = world.create()
    html = page(signed_in(world.dispatcher), f"/orders/{orders[2].number}/")
    assert "此工单属于正在增长的热点" in html and "共 5 件" in html
    lone_page = page(signed_in(world.dispatcher), f"/orders/{lone.number}/")
    assert 'data-part="hotspot-notice"' not in lone_page
    assert "正在增长的热点" not in page(
        signed_in(world.handler_a), f"/orders/{orders[2].number}/", 404
    )


def test_the_dashboard_shows_the_engines_hotspots(world: World) -> None:
    surge(world)
    html = page(signed_in(world.supervisor), "/tianyan/")
    section = html.split('data-part="hotspot-alerts"', 1)[1].split("</section>", 1)[0]
    assert "热点预警" in section and "幸福家园5号楼" in section and "停水" in section
    assert "正在增长" in section and 'href="/hotspots/"' in section
    assert "区域 × 分类工单分布" in html
