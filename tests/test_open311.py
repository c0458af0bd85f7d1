"""Open311 GeoReport v2: a published client, the spec's example shapes, the spec's errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline import clock
from hotline.domain.lifecycle import State
from hotline.open311 import selectors
from hotline.open311.models import Open311Key, ServiceAttribute
from hotline.reference.models import Category
from hotline.workorders.services import (
    workorder_approve_close,
    workorder_reply,
    workorder_request_close,
)
from tests.common.world import World

# The examples of http://wiki.open311.org/GeoReport_v2, trimmed to one element per list.
SPEC_XML = {
    "discovery": """<discovery><changeset>2011-04-05T17:48:34Z</changeset><contact>c</contact>
        <key_service>k</key_service><endpoints><endpoint>
        <specification>http://wiki.open311.org/GeoReport_v2</specification><url>u</url>
        <changeset>2011-04-20T17:48:34Z</changeset><type>test</type>
        <formats><format>text/xml</format></formats></endpoint></endpoints></discovery>""",
    "services": """<services><service><service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name><description>d</description>
        <metadata>true</metadata><type>realtime</type><keywords>lorem, ipsum</keywords>
        <group>sanitation</group></service></services>""",
    "service_definition": """<service_definition><service_code>DMV66</service_code><attributes>
        <attribute><variable>true</variable><code>WHISHETN</code>
        <datatype>singlevaluelist</datatype><required>true</required>
        <datatype_description></datatype_description><order>1</order>
        <description>What is the ticket/tag/DL number?</description>
        <values><value><key>123</key><name>Ford</name></value></values>
        </attribute></attributes></service_definition>""",
    "post": """<service_requests><request><service_request_id>293944</service_request_id>
        <service_notice>n</service_notice><account_id/></request></service_requests>""",
    "requests": """<service_requests><request><service_request_id>638344</service_request_id>
        <status>closed</status><status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name><service_code>006</service_code>
        <description></description><agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address><address_id>545483</address_id>
        <zipcode>94122</zipcode><lat>37.762221815</lat><long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg</media_url>
        </request></service_requests>""",
    "token": """<service_requests><request><service_request_id>638344</service_request_id>
        <token>12345</token></request></service_requests>""",
    "errors": """<errors><error><code>403</code><description>Invalid api_key received --
        can't proceed with create_request.</description></error></errors>""",
}


def paths(element: ElementTree.Element, prefix: str = "") -> set[str]:
    here = f"{prefix}/{element.tag}"
    found = {here}
    for child in element:
        found |= paths(child, here)
    return found


def same_shape(ours: bytes, example: str) -> None:
    assert paths(ElementTree.fromstring(ours)) == paths(ElementTree.fromstring(example))


@pytest.fixture
def key(world: World) -> Open311Key:
    return Open311Key.objects.create(name="city app", account=world.agent)


@pytest.fixture
def noise_with_attribute(world: World) -> Category:
    noise = Category.objects.get(code="noise")
    noise.description = "夜间施工、商铺噪音等"
    noise.keywords = "噪音, 施工"
    noise.save()
    ServiceAttribute.objects.create(
        category=noise,
        code="when",
        description="噪音在什么时段？",
        datatype="singlevaluelist",
        required=True,
        values=[{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}],
    )
    return noise


def post(client: Client, fmt: str = "json", **form: Any) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", form)


def good_form(key: Open311Key, **changes: Any) -> dict[str, Any]:
    form = {
        "api_key": key.key,
        "service_code": "noise",
        "lat": "39.9042",
        "long": "116.4074",
        "address_string": "和平里小区3号楼",
        "description": "夜间施工噪音，联系电话13812345678",
        "first_name": "三丰",
        "last_name": "张",
        "phone": "13812345678",
        "email": "zhang@example.com",
        "attribute[when]": "night",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_xml_and_json_follow_the_spec_examples(
    world: World, key: Open311Key, noise_with_attribute: Category
) -> None:
    client = Client()
    same_shape(client.get("/open311/v2/discovery.xml").content, SPEC_XML["discovery"])
    same_shape(client.get("/open311/v2/services.xml").content, SPEC_XML["services"])
    same_shape(client.get("/open311/v2/services/noise.xml").content, SPEC_XML["service_definition"])
    created = post(client, "xml", **good_form(key))
    assert created.status_code == 201, created.content
    assert created["Content-Type"].startswith("text/xml")
    same_shape(created.content, SPEC_XML["post"])
    number = ElementTree.fromstring(created.content).findtext("request/service_request_id")
    same_shape(client.get(f"/open311/v2/requests/{number}.xml").content, SPEC_XML["requests"])
    same_shape(client.get("/open311/v2/requests.xml").content, SPEC_XML["requests"])
    same_shape(client.get(f"/open311/v2/tokens/{number}.xml").content, SPEC_XML["token"])
    same_shape(post(client, "xml", api_key="nope").content, SPEC_XML["errors"])

    services = client.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} == {"noise", "property"}
    noise = next(s for s in services if s["service_code"] == "noise")
    assert noise["metadata"] is True and noise["keywords"] == "噪音, 施工"
    definition = client.get("/open311/v2/services/noise.json").json()
    assert definition["attributes"][0]["values"][1] == {"key": "day", "name": "白天"}
    (request,) = client.get(f"/open311/v2/requests/{number}.json").json()
    example = ElementTree.fromstring(SPEC_XML["requests"]).find("request")
    assert example is not None and set(request) == {child.tag for child in example}
    assert request["status"] == "open" and request["lat"] == pytest.approx(39.9042)
    assert request["requested_datetime"].endswith("+08:00")


def test_no_personal_data_leaves(
    world: World, key: Open311Key, noise_with_attribute: Category
) -> None:
    client = Client()
    number = post(client, **good_form(key)).json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        body = client.get(f"/open311/v2/requests/{number}.{fmt}").content.decode()
        for secret in ("13812345678", "zhang@example.com", "张", "三丰"):
            assert secret not in body
        assert "138****5678" in body  # the description keeps the masked number


def test_status_notes_and_closed_status_come_from_the_lifecycle(world: World) -> None:
    order = world.walk(world.create(channel="web"), State.HANDLING)
    workorder_reply(actor=world.handler_a, order=order, text="已约谈施工方，电话13900001111")
    order = workorder_request_close(actor=world.handler_a, order=order, result="已处理完毕")
    (request,) = selectors.requests(ids=[order.number])
    assert request["status"] == "open"
    assert request["agency_responsible"] == "市住建局"
    assert request["status_notes"] == "已约谈施工方，电话139****1111"
    workorder_approve_close(actor=world.dispatcher, order=order)
    (request,) = selectors.requests(ids=[order.number])
    assert request["status"] == "closed"
    assert selectors.requests(status=["closed"])[0]["service_request_id"] == order.number
    assert selectors.requests(status=["open"]) == []


def test_reports_are_never_public(world: World) -> None:
    order = world.create(kind="report")
    assert selectors.requests() == []
    assert Client().get(f"/open311/v2/requests/{order.number}.json").status_code == 404


def test_request_list_filters_and_limits(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    first = world.create()
    world.create(category="property")
    world.create()
    client = Client()
    every = client.get("/open311/v2/requests.json").json()
    assert len(every) == 3
    noise = client.get("/open311/v2/requests.json?service_code=noise").json()
    assert {r["service_code"] for r in noise} == {"noise"} and len(noise) == 2
    by_id = client.get(
        f"/open311/v2/requests.json?service_request_id={first.number}&service_code=property"
    ).json()
    assert [r["service_request_id"] for r in by_id] == [first.number]  # ids override
    old = (clock.now() - timedelta(days=200)).date().isoformat()
    assert client.get(f"/open311/v2/requests.json?end_date={old}").json() == []
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    assert len(client.get("/open311/v2/requests.json").json()) == 2


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"api_key": "wrong"}, 403, "Invalid api_key"),
        ({"service_code": None}, 400, "service_code was not provided"),
        ({"service_code": "ufo"}, 404, "service_code ufo not found"),
        ({"lat": None, "long": None, "address_string": None}, 400, "a location is required"),
        ({"lat": "north"}, 400, "lat and long must both be decimal degrees"),
        ({"lat": "95"}, 400, "lat must be within ±90"),
        ({"attribute[when]": None}, 400, "attribute[when] is required"),
        ({"attribute[when]": "noon"}, 400, "'noon' is not one of day, night"),
        ({"attribute[color]": "red"}, 400, "attribute[color] is not an attribute of noise"),
        ({"description": "噪音\x00扰民"}, 400, "description: contains a NUL character"),
        ({"description": "吵" * 10_001}, 400, "description is longer than 10,000 characters"),
    ],
)
def test_bad_posts_get_the_spec_error_body(
    world: World,
    key: Open311Key,
    noise_with_attribute: Category,
    changes: dict[str, Any],
    status: int,
    message: str,
) -> None:
    answer = post(Client(), **good_form(key, **changes))
    assert answer.status_code == status
    (error,) = answer.json()
    assert error["code"] == status and message in error["description"]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/open311/v2/services/ufo.json", 404, "service_code ufo not found"),
        ("/open311/v2/requests/20260101-9999.json", 404, "not found"),
        ("/open311/v2/tokens/nope.json", 404, "token nope not found"),
        ("/open311/v2/requests.json?start_date=yesterday", 400, "W3C date-time"),
        (
            "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            400,
            "90 days",
        ),
        ("/open311/v2/requests.json?status=pending", 400, "status must be open or closed"),
        ("/open311/v2/services.yaml", 404, "format .yaml is not served"),
    ],
)
def test_bad_reads_get_the_spec_error_body(
    world: World, url: str, status: int, message: str
) -> None:
    answer = Client().get(url)
    assert answer.status_code == status
    if url.endswith(".yaml"):
        assert b"<errors><error><code>404</code>" in answer.content
        return
    (error,) = answer.json()
    assert error["code"] == status and message in error["description"]


def test_wrong_method_is_refused_in_the_spec_body(world: World) -> None:
    answer = Client().delete("/open311/v2/services.xml")
    assert answer.status_code == 405 and b"<errors>" in answer.content


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.dictionaries(
        st.sampled_from(
            ["service_code", "lat", "long", "address_string", "description", "phone", "email",
             "first_name", "attribute[when]", "attribute[x]", "address_id", "media_url"]
        ),
        st.text(max_size=20) | st.just("a\x00b"),
    )
)  # fmt: skip
def test_no_post_ever_answers_500(
    world: World, key: Open311Key, noise_with_attribute: Category, form: dict[str, str]
) -> None:
    answer = post(Client(), **{"api_key": key.key, **form})
    assert answer.status_code in (201, 400, 403, 404), answer.content
    json.loads(answer.content)


@pytest.fixture
def http_root(live_world: World) -> Iterator[str]:
    """The real WSGI app on a loopback port, in a thread, over the committed test database.

    (pytest-django's live_server sets its database up before the event-guard fixtures, so the
    append-only triggers would be back in place when it flushes.)"""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from hotline.wsgi import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, application, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    server.server_close()


def test_the_published_georeport_client_works_unchanged(http_root: str, live_world: World) -> None:
    import requests
    from georeport import GeoReport

    key = Open311Key.objects.create(name="georeport", account=live_world.agent)
    root = http_root
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        codes = {service["service_code"] for service in _listed(client.get_service_list())}
        assert codes == {"noise", "property"}
        assert client.get_service_definition("noise")["service_code"] == "noise"
    # georeport 0.3.1 has no POST; the spec's form-encoded POST, as any app sends it:
    created = requests.post(
        f"{root}/requests.json",
        data={"api_key": key.key, "service_code": "noise", "address_string": "人民广场东侧",
              "description": "广场舞音响太吵"},
        timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    number = created.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        request = client.get_service_request(number)
        assert request["service_request_id"] == number and request["status"] == "open"
        listed = _listed(client.get_service_requests(service_request_id=number))
        assert [r["service_request_id"] for r in listed] == [number]
        assert request["description"] == "广场舞音响太吵"


def _listed(value: Any) -> list[dict[str, Any]]:
    """xmltodict gives a dict for a single element and a list for several."""
    return value if isinstance(value, list) else [value]
