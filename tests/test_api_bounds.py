"""Out-of-range pages, ids and times are refused with 422 naming the parameter, never a 500; a
body that is not a JSON object is refused, never read as one; every route documents its 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.models import ApiToken, User
from hotline.api import api
from hotline.supervision.models import SupervisionCase
from hotline.workorders.models import WorkOrder
from tests.common.world import World

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    _, token = ApiToken.issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _refused(response: Any, parameter: str) -> str:
    """The 422's message about ``parameter``."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    named = [item for item in detail if item["loc"][-1] == parameter]
    assert named, detail
    return str(named[0]["msg"])


@pytest.mark.parametrize("page", ["9223372036854775807", "1000001", "0", "-1"])
def test_a_page_out_of_range_is_refused(world: World, page: str) -> None:
    answer = _client(world.dispatcher).get("/api/orders", {"page": page})
    _refused(answer, "page")


def test_the_last_page_allowed_answers_empty(world: World) -> None:
    world.create()
    answer = _client(world.dispatcher).get("/api/orders", {"page": "1000000"})
    assert answer.status_code == 200
    assert answer.json()["items"] == [] and answer.json()["count"] == 1


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("created_before", "0001-01-01T00:00:00+14:00"),
        ("created_after", "9999-12-31T23:59:59-14:00"),
        ("created_after", "1969-12-31T00:00:00+00:00"),
        ("created_before", "3000-01-02T00:00:00"),  # no offset: the platform's time zone
    ],
)
def test_a_time_out_of_range_is_refused_naming_it(world: World, parameter: str, value: str) -> None:
    answer = _client(world.dispatcher).get("/api/orders", {parameter: value})
    message = _refused(answer, parameter)
    assert parameter in message and "1970-01-01" in message and "2999-12-31" in message


def test_times_in_range_filter_as_before(world: World) -> None:
    world.create()
    client = _client(world.dispatcher)
    assert client.get("/api/orders", {"created_after": "2000-01-01T00:00:00"}).json()["count"] == 1
    assert (
        client.get("/api/orders", {"created_before": "2000-01-01T00:00:00Z"}).json()["count"] == 0
    )


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("since", "0001-01-01T00:00:00+14:00"), ("until", "9999-12-31T23:59:59-14:00")],
)
def test_supervision_totals_refuse_times_out_of_range(
    world: World, parameter: str, value: str
) -> None:
    answer = _client(world.supervisor).get("/api/supervision/totals", {parameter: value})
    _refused(answer, parameter)


def test_an_article_id_beyond_any_row_is_refused(world: World) -> None:
    answer = _client(world.agent).get("/api/knowledge/articles/99999999999999999999999")
    _refused(answer, "article_id")


def test_an_expected_version_beyond_any_row_is_refused(world: World) -> None:
    order = world.create()
    answer = _client(world.dispatcher).post(
        f"/api/orders/{order.number}/urge",
        json.dumps({"note": "请加快", "expected_version": 2**63}),
        content_type="application/json",
    )
    _refused(answer, "expected_version")


@pytest.mark.parametrize("body", ['"AAA"', "[]", "42", "null", "true"])
def test_a_body_that_is_not_an_object_creates_no_case(world: World, body: str) -> None:
    answer = _client(world.supervisor).post(
        "/api/supervision/cases", body, content_type="application/json"
    )
    assert answer.status_code == 422, answer.content
    assert "JSON object" in json.dumps(answer.json(), ensure_ascii=False)
    assert not SupervisionCase.objects.exists()


def test_a_string_body_creates_no_order(world: World) -> None:
    answer = _client(world.agent).post("/api/orders", '"AAA"', content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert not WorkOrder.objects.exists()


def test_a_body_that_is_not_json_is_a_documented_400(world: World) -> None:
    answer = _client(world.agent).post("/api/orders", "{", content_type="application/json")
    assert answer.status_code == 400 and "detail" in answer.json()


def test_every_route_documents_401_403_and_422() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/")
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        for code in (401, 403, 422)
        if code not in {int(status) for status in operation["responses"]}
    ]
    assert not missing, missing


def test_a_nul_character_in_a_text_is_refused_naming_the_field(world: World) -> None:
    body = {"channel": "phone", "kind": "complaint", "category": "noise", "text": "噪音\u0000扰民"}
    answer = _client(world.agent).post("/api/orders", body, content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert "text" in str(answer.json()["detail"])
    assert not WorkOrder.objects.exists()


def test_a_deeply_nested_body_is_refused_not_a_server_error(world: World) -> None:
    deep = '{"channel": "phone", "kind": "complaint", "category": "noise", "text": "x", "x": '
    for levels in (5_000, 100_000):  # one the JSON parser takes, one it refuses
        body = deep + "[" * levels + "]" * levels + "}"
        answer = _client(world.agent).post("/api/orders", body, content_type="application/json")
        assert answer.status_code in (400, 422), answer.content
    assert not WorkOrder.objects.exists()
