"""The HTTP API as a client sees it: auth, validation naming fields, scoping, conflicts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from hotline import clock
from hotline.accounts.models import ApiToken, User
from hotline.workorders.models import PersonalDataAccess, WorkOrder, WorkOrderEvent
from tests.common.world import World

pytestmark = pytest.mark.django_db

NEW_ORDER = {
    "channel": "phone",
    "kind": "complaint",
    "category": "noise",
    "text": "夜间施工噪音扰民",
    "caller_name": "李四",
    "caller_phone": "13900001111",
    "caller_address": "A市人民路1号",
}


class Api:
    def __init__(self, user: User) -> None:
        _, token = ApiToken.issue(user=user)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(self, path: str, body: dict[str, Any], **headers: str) -> Any:
        return self.client.post(
            f"/api{path}", json.dumps(body), content_type="application/json", headers=headers
        )

    def get(self, path: str) -> Any:
        return self.client.get(f"/api{path}")


@pytest.fixture
def agent(world: World) -> Api:
    return Api(world.agent)


@pytest.fixture
def dispatcher(world: World) -> Api:
    return Api(world.dispatcher)


def test_create_returns_the_order_with_its_timeline(agent: Api) -> None:
    response = agent.post("/orders", NEW_ORDER)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "received" and body["version"] == 1
    assert body["caller"] == {"name": "李*", "phone": "139****1111", "address": "A市人****"}
    assert [e["action"] for e in body["timeline"]] == ["create"]
    assert body["timeline"][0]["data"]["caller"]["phone"] == "139****1111"


def test_unauthenticated_request_gets_401() -> None:
    assert Client().get("/api/orders").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"text": ""}, "text"),
        ({"category": "no-such"}, "category"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"urgency": "yesterday"}, "urgency"),
    ],
)
def test_bad_input_gets_422_naming_the_field_and_stores_nothing(
    agent: Api, change: dict[str, str], field: str
) -> None:
    response = agent.post("/orders", {**NEW_ORDER, **change})
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    assert WorkOrder.objects.count() == 0 and WorkOrderEvent.objects.count() == 0


def test_missing_required_field_is_named(agent: Api) -> None:
    body = {k: v for k, v in NEW_ORDER.items() if k != "kind"}
    response = agent.post("/orders", body)
    assert response.status_code == 422 and "kind" in json.dumps(response.json())


def test_idempotency_key_returns_the_same_order(agent: Api) -> None:
    first = agent.post("/orders", NEW_ORDER, **{"Idempotency-Key": "abc-1"})
    again = agent.post("/orders", NEW_ORDER, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert WorkOrder.objects.count() == 1
    other = agent.post("/orders", {**NEW_ORDER, "text": "别的事"}, **{"Idempotency-Key": "abc-1"})
    assert other.status_code == 422 and "Idempotency-Key" in json.dumps(other.json())


def test_full_path_through_the_api(world: World, agent: Api, dispatcher: Api) -> None:
    handler = Api(world.handler_a)
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    steps = [
        (dispatcher, "dispatch", {"to_unit": "zhujian", "assist": ["lvhua"]}),
        (handler, "accept", {}),
        (handler, "contact", {"note": "已电话联系"}),
        (handler, "reply", {"text": "已处理"}),
        (handler, "request_close", {"result": "已解决"}),
        (dispatcher, "approve_close", {}),
        (dispatcher, "follow_up", {"reached": True, "resolved": True, "satisfied": True}),
        (dispatcher, "archive", {}),
    ]
    for client, action, body in steps:
        response = client.post(f"/orders/{number}/{action}", body)
        assert response.status_code == 200, (action, response.content)
    body = response.json()
    assert body["state"] == "archived"
    assert [e["action"] for e in body["timeline"]][-1] == "archive"
    assert body["handle_deadline"] is not None


def test_illegal_action_gets_409_and_wrong_role_403(agent: Api, dispatcher: Api) -> None:
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    assert dispatcher.post(f"/orders/{number}/accept", {}).status_code == 409
    assert agent.post(f"/orders/{number}/dispatch", {"to_unit": "zhujian"}).status_code == 403


def test_guard_failure_gets_422_naming_the_field(world: World, agent: Api, dispatcher: Api) -> None:
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    response = dispatcher.post(f"/orders/{number}/dispatch", {"to_unit": "nowhere"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "to_unit"]


def test_stale_expected_version_gets_409(agent: Api, dispatcher: Api) -> None:
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    dispatcher.post(f"/orders/{number}/urge", {"note": "快"})
    response = dispatcher.post(f"/orders/{number}/urge", {"note": "快", "expected_version": 1})
    assert response.status_code == 409 and "version" in response.json()["detail"]


def test_handler_of_another_unit_gets_404(world: World, agent: Api, dispatcher: Api) -> None:
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    dispatcher.post(f"/orders/{number}/dispatch", {"to_unit": "zhujian"})
    other = Api(world.handler_b)
    assert other.get(f"/orders/{number}").status_code == 404
    assert other.post(f"/orders/{number}/accept", {}).status_code == 404
    assert other.get("/orders").json()["count"] == 0
    assert Api(world.handler_a).get("/orders").json()["count"] == 1


def test_unmasking_is_logged_and_refused_for_reports(world: World, agent: Api) -> None:
    number = agent.post("/orders", NEW_ORDER).json()["number"]
    body = agent.get(f"/orders/{number}?unmask=true").json()
    assert body["caller"]["phone"] == "13900001111" and body["caller_masked"] is False
    assert PersonalDataAccess.objects.filter(user=world.agent, order__number=number).count() == 1

    report = agent.post("/orders", {**NEW_ORDER, "kind": "report"}).json()["number"]
    Api(world.dispatcher).post(f"/orders/{report}/dispatch", {"to_unit": "zhujian"})
    handler = Api(world.handler_a)
    assert handler.get(f"/orders/{report}?unmask=true").status_code == 403
    shown = handler.get(f"/orders/{report}").json()
    assert shown["caller"] == {"name": "", "phone": "", "address": ""}
    timeline = json.dumps(shown["timeline"], ensure_ascii=False)
    assert "13900001111" not in timeline and "139****1111" not in timeline and "李" not in timeline


def test_list_filters_and_paginates(agent: Api) -> None:
    for i in range(5):
        agent.post("/orders", {**NEW_ORDER, "text": f"第{i}件"})
    page = agent.get("/orders?page=2&page_size=2").json()
    assert (page["count"], len(page["items"])) == (5, 2)
    assert agent.get("/orders?state=closed").json()["count"] == 0
    assert agent.get("/orders?q=第3件").json()["count"] == 1
    assert agent.get("/orders?state=bogus").status_code == 422


def test_overdue_filter_lists_open_orders_past_their_deadline(agent: Api, dispatcher: Api) -> None:
    past = datetime.now().astimezone() - timedelta(days=30)
    with clock.frozen_at(past):
        late = agent.post("/orders", NEW_ORDER).json()["number"]
        dispatcher.post(f"/orders/{late}/dispatch", {"to_unit": "zhujian"})
    fresh = agent.post("/orders", NEW_ORDER).json()["number"]
    dispatcher.post(f"/orders/{fresh}/dispatch", {"to_unit": "zhujian"})
    listed = dispatcher.get("/orders?overdue=true").json()["items"]
    assert [o["number"] for o in listed] == [late]


def test_session_auth_works_and_openapi_is_served(world: World) -> None:
    client = Client()
    client.force_login(world.dispatcher)
    assert client.get("/api/orders").status_code == 200
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/orders/{number}/request_return" in schema["paths"]


def test_user_without_a_role_sees_nothing_and_may_do_nothing(world: World) -> None:
    nobody = Api(User.objects.create_user(username="nobody", password="x"))
    assert nobody.get("/orders").json()["count"] == 0
    response = nobody.post("/orders", NEW_ORDER)
    assert response.status_code == 403 and "no hotline role" in response.json()["detail"]


def test_superuser_without_role_reads_as_admin(world: World, agent: Api) -> None:
    agent.post("/orders", NEW_ORDER)
    root = Api(User.objects.create_superuser(username="root", password="x"))
    assert root.get("/orders").json()["count"] == 1


def test_chinese_text_comes_back_as_utf8(agent: Api) -> None:
    response = agent.post("/orders", NEW_ORDER)
    assert "夜间施工噪音扰民" in response.content.decode("utf-8")
    assert "charset=utf-8" in response["Content-Type"]
