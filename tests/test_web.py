"""The web application through Django's test client: log-in and lockout, each role's pages, one
order walked through every role by its forms, exports, and 404 for anything out of scope."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from hotline.accounts.models import User
from hotline.domain.lifecycle import State
from hotline.web.views.citizen import tracking_code
from hotline.workorders.models import WorkOrder
from tests.common.second_factor import force_login_verified, password_login
from tests.common.world import World

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    return force_login_verified(Client(), user)


def act(client: Client, number: str, action: str, **fields: Any) -> Any:
    order = WorkOrder.objects.get(number=number)
    response = client.post(
        f"/orders/{number}/{action}/", {"expected_version": order.version, **fields}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_login_takes_each_role_home(world: World) -> None:
    homes = {
        "agent": "/intake/",
        "dispatcher": "/dispatch/",
        "handler_a": "/inbox/",
        "supervisor": "/tianyan/",
        "citizen": "/my/",
        "admin": "/orders/",
    }
    for username, home in homes.items():
        client = Client()
        password_login(client, username)  # supervisor and admin: enrol an app on the way
        assert client.get("/").url == home
        assert client.get(home).status_code == 200


def test_five_failures_lock_the_account(world: World) -> None:
    client = Client()
    for _ in range(5):
        response = client.post("/login/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 429
    locked = client.post("/login/", {"username": "agent", "password": "pw"})
    assert locked.status_code == 429 and "锁定" in locked.content.decode()


def test_passwords_are_hashed_with_argon2() -> None:
    from django.contrib.auth.hashers import get_hasher
    from django.test import override_settings

    from hotline import settings as project

    with override_settings(PASSWORD_HASHERS=project.PASSWORD_HASHERS):
        assert get_hasher().algorithm == "argon2"


def test_one_order_through_every_role(world: World) -> None:
    citizen = signed_in(world.citizen)
    response = citizen.post(
        "/my/new/",
        {
            "kind": "complaint",
            "category": "noise",
            "text": "楼下餐馆夜间噪音扰民",
            "location": "和平里",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(created_by="citizen")
    number = order.number

    dispatcher = signed_in(world.dispatcher)
    assert number in dispatcher.get("/dispatch/").content.decode()
    act(dispatcher, number, "dispatch", to_unit="zhujian")
    handler = signed_in(world.handler_a)
    inbox = handler.get("/inbox/").content.decode()
    assert number in inbox and "小时</td>" in inbox  # the working-hours countdown
    act(handler, number, "accept")
    act(handler, number, "contact", note="已电话联系", method="phone")
    act(handler, number, "reply", text="已责令餐馆整改")
    act(handler, number, "request_close", result="已整改", evidence="照片1, 照片2")
    act(dispatcher, number, "approve_close")
    act(dispatcher, number, "follow_up", reached="true", resolved="true", satisfied="true")
    act(citizen, number, "rate", score="5", comment="满意")
    order.refresh_from_db()
    assert (order.state, order.rating, order.satisfied) == (State.CLOSED, 5, True)
    page = citizen.get(f"/orders/{number}/").content.decode()
    assert "已责令餐馆整改" in page and "handler_a" not in page  # the answer, not the people
    track = Client().get(f"/track/?code={tracking_code(number)}").content.decode()
    # What the public sees (the same as Open311 serves), never the people who handled it.
    assert "已办结" in track and "已责令餐馆整改" in track
    assert "handler_a" not in track and "dispatcher" not in track and "zhujian）" not in track
    assert Client().get(f"/track/?code={number}-000000").status_code == 404


def test_intake_form_creates_an_order_and_names_bad_fields(world: World) -> None:
    agent = signed_in(world.agent)
    bad = agent.post("/intake/", {"kind": "complaint", "category": "nope", "text": "噪音"})
    assert bad.status_code == 422 and "category" in bad.content.decode()
    assert not WorkOrder.objects.exists()
    nul = agent.post("/intake/", {"kind": "complaint", "category": "noise", "text": "噪\x00音"})
    assert nul.status_code == 422 and "NUL" in nul.content.decode()
    assert not WorkOrder.objects.exists()
    good = agent.post(
        "/intake/",
        {"kind": "complaint", "category": "noise", "text": "噪音", "caller_phone": "13800001111"},
    )
    assert good.status_code == 302
    assert WorkOrder.objects.get().caller_phone == "13800001111"
    partial = agent.post("/intake/assist/", {"text": "噪音", "caller_phone": "13800001111"})
    assert partial.status_code == 200 and WorkOrder.objects.get().number in partial.content.decode()


def test_bad_action_input_is_shown_on_the_page(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    handler = signed_in(world.handler_a)
    response = handler.post(
        f"/orders/{order.number}/request_extension/",
        {"expected_version": order.version, "days": "0", "reason": "x"},
    )
    assert response.status_code == 422 and "days" in response.content.decode()
    stale = handler.post(
        f"/orders/{order.number}/reply/", {"expected_version": order.version - 1, "text": "答复"}
    )
    assert stale.status_code == 302  # back to the order, with the conflict explained
    assert "reload it" in handler.get(stale.url).content.decode()
    order.refresh_from_db()
    assert order.events.filter(action="reply").count() == 0


def test_order_list_filters_paginates_and_exports_masked(world: World) -> None:
    for i in range(3):
        world.create(text=f"第{i}件噪音")
    admin = signed_in(world.admin)
    page = admin.get("/orders/?q=第1件").content.decode()
    assert "第1件" in page and "第2件" not in page
    export = admin.get("/orders/?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert len(rows) == 4
    assert all("1234" not in str(r[7]) or "*" in str(r[7]) for r in rows[1:])  # phones masked
    assert "13812341234" not in export.content.decode("latin-1")


def test_tianyan_dashboard_shows_findings_with_evidence_links(world: World) -> None:
    order = world.walk(world.create(), State.RETURN_REVIEW)
    from hotline.workorders import services

    services.workorder_reject_return(actor=world.dispatcher, order=order.number, reason="依据不足")
    supervisor = signed_in(world.supervisor)
    page = supervisor.get("/tianyan/").content.decode()
    assert "rejected_return" in page and "第 1 / 1 页" in page  # the findings list pages
    link = re.search(rf'href="(/orders/{order.number}/\?evidence=[0-9,]+)#seq-\d+"', page)
    assert link
    evidence_page = supervisor.get(link.group(1)).content.decode()
    assert 'class="evidence"' in evidence_page
    export = supervisor.get("/tianyan/?export=xlsx")
    assert export.status_code == 200


def _patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    out = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            out += _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


# Passes every action's validation, so a 404 can only come from the order's scope.
VALID_BODY = {
    "answer": "x",
    "to_unit": "chengguan",
    "note": "x",
    "text": "x",
    "days": 1,
    "reason": "x",
    "basis": "x",
    "suggested_unit": "chengguan",
    "result": "x",
    "reached": True,
    "score": 5,
    "into": "x",
    "method": "phone",
}


def test_a_handler_gets_404_for_every_url_of_another_units_order(world: World) -> None:
    """Generated from the URL conf: every route that takes an order number."""
    order = world.walk(world.create(), State.HANDLING)  # with unit a
    from hotline.workorders.attachments import attachment_check, attachments_store

    (attachment,) = attachments_store(
        actor=world.handler_a.username,
        order=order,
        seq=order.version,
        files=[attachment_check(name="a.png", content=PNG)],
    )
    routes = [
        r
        for r in _patterns(get_resolver())
        if ("<number>" in r or "<str:number>" in r)
        and not r.startswith(("open311/", "api/supervision/"))  # public spec; case numbers
    ]
    assert len(routes) >= 25  # the API's order routes and the web pages'
    client = signed_in(world.handler_b)
    from hotline.accounts.models import ApiToken

    _, token = ApiToken.issue(user=world.handler_b)
    checked = 0
    for route in routes:
        path = "/" + route.replace("<str:number>", order.number).replace("<number>", order.number)
        path = path.replace("<str:action>", "accept").replace(
            "<int:attachment_id>", str(attachment.pk)
        )
        for method in ("get", "post"):
            if path.startswith("/api/"):
                response = getattr(Client(), method)(
                    path,
                    json.dumps(VALID_BODY) if method == "post" else None,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
            else:
                response = getattr(client, method)(path, VALID_BODY if method == "post" else None)
            if response.status_code == 405:
                continue
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked >= len(routes)
    order.refresh_from_db()
    assert order.version == 3  # nothing was done to it


def test_pages_of_other_roles_are_404(world: World) -> None:
    handler = signed_in(world.handler_a)
    for path in ("/tianyan/", "/dispatch/", "/intake/", "/my/", "/my/new/"):
        assert handler.get(path).status_code == 404, path
    assert Client().get("/tianyan/").status_code == 302  # signed out: to the log-in page


def test_dashboard_shows_the_last_report_while_a_new_one_is_computed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.background import background_heartbeat
    from hotline.supervision import selectors as supervision

    made: list[int] = []

    def report() -> dict[str, Any]:
        made.append(1)
        return {"summary": {"findings": len(made)}, "findings": [], "units": []}

    monkeypatch.setattr(supervision, "database_report", report)
    shown = supervision.supervision_report_cached
    background_heartbeat(lasts=60)  # a refresher runs (`hotline worker`, or the server's thread)
    assert shown()["summary"]["findings"] == 1  # the first one is made on the page
    assert shown()["summary"]["findings"] == 1  # fresh: not recomputed
    assert not supervision.supervision_report_refresh()  # not due
    later = supervision._now() + supervision.REPORT_SECONDS + 1
    monkeypatch.setattr(supervision, "_now", lambda: later)
    assert shown()["summary"]["findings"] == 1  # stale: shown again…
    assert shown()["summary"]["findings"] == 1
    assert supervision.supervision_report_refresh()  # …while the refresher makes the next
    assert shown()["summary"]["findings"] == 2
    assert made == [1, 1]


def test_without_a_refresher_a_stale_report_is_rebuilt_by_the_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.supervision import selectors as supervision

    made: list[int] = []

    def report() -> dict[str, Any]:
        made.append(1)
        return {"summary": {"findings": len(made)}, "findings": [], "units": []}

    monkeypatch.setattr(supervision, "database_report", report)
    shown = supervision.supervision_report_cached
    assert shown()["summary"]["findings"] == 1
    later = supervision._now() + supervision.REPORT_SECONDS + 1
    monkeypatch.setattr(supervision, "_now", lambda: later)
    assert shown()["summary"]["findings"] == 2


def test_every_process_shows_the_report_last_stored(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (`hotline worker`) stores a report: this one shows it at once, not the
    copy it kept."""
    from hotline.supervision import selectors as supervision

    monkeypatch.setattr(
        supervision, "database_report", lambda: {"summary": {"findings": 1}, "findings": []}
    )
    assert supervision.supervision_report_cached()["summary"]["findings"] == 1
    supervision.supervision_report_store({"summary": {"findings": 7}, "findings": []})
    assert supervision.supervision_report_cached()["summary"]["findings"] == 7


def test_an_agent_sets_their_own_state(world: World) -> None:
    from datetime import timedelta

    from hotline import clock

    agent = signed_in(world.agent)
    assert '<b class="st-logged_out">签出</b>' in agent.get("/intake/").content.decode()
    start = clock.now().replace(hour=10, minute=0)
    with clock.frozen_at(start):
        agent.post("/agent/state/", {"state": "available"})
    with clock.frozen_at(start + timedelta(minutes=5)):
        agent.post("/agent/state/", {"state": "paused", "reason": "培训 training"})
    with clock.frozen_at(start + timedelta(minutes=35)):
        agent.post("/agent/state/", {"state": "available"})
        bad = agent.post("/agent/state/", {"state": "paused", "reason": "打游戏"}, follow=True)
        assert "a pause needs a reason" in bad.content.decode()
        page = agent.get("/intake/").content.decode()
    assert '<b class="st-available">示闲</b>' in page and "培训 30 分钟" in page
    assert signed_in(world.dispatcher).post("/agent/state/", {"state": "paused"}).status_code == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_closure_evidence_is_attached_checked_and_scoped(world: World, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = world.walk(world.create(), State.HANDLING)
    handler = signed_in(world.handler_a)
    url = f"/orders/{order.number}/request_close/"

    def post(*files: SimpleUploadedFile) -> Any:
        order.refresh_from_db()
        return handler.post(
            url, {"expected_version": order.version, "result": "已整改", "attachments": list(files)}
        )

    fake = post(SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image"))
    assert fake.status_code == 422 and "not a PNG, JPEG or PDF" in fake.content.decode()
    renamed = post(SimpleUploadedFile("photo.pdf", PNG))
    assert renamed.status_code == 422 and "image/png named" in renamed.content.decode()
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 32
    big = post(SimpleUploadedFile("photo.png", PNG))
    assert big.status_code == 422 and "超过" in big.content.decode()
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    order.refresh_from_db()
    assert order.state == State.HANDLING and not order.attachments.exists()  # nothing half done

    assert post(SimpleUploadedFile("现场照片.png", PNG)).status_code == 302
    order.refresh_from_db()
    attachment = order.attachments.get()
    assert (order.state, attachment.seq, attachment.content_type) == (
        State.CLOSE_REVIEW,
        order.version,
        "image/png",
    )
    page = signed_in(world.dispatcher).get(f"/orders/{order.number}/").content.decode()
    assert "现场照片.png" in page
    download = f"/orders/{order.number}/attachments/{attachment.pk}/"
    got = signed_in(world.dispatcher).get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert signed_in(world.handler_b).get(download).status_code == 404


def test_dashboard_call_chart_follows_the_kpi_definitions(world: World) -> None:
    from hotline import clock
    from hotline.callcenter.models import Call, CallLogImport
    from hotline.web.views.tianyan import _call_center

    source = CallLogImport.objects.create(
        source="t", sha256="0" * 64, format="cdr", imported_at=clock.now()
    )
    at = clock.now().replace(hour=4)
    for n, (outcome, wait) in enumerate(
        [("answered", 5), ("answered", 40), ("abandoned", 30), ("ivr_only", None)]
    ):
        Call.objects.create(
            call_id=f"c{n}", source=source, outcome=outcome, entered_at=at, wait_seconds=wait
        )
    (day,) = _call_center(world.supervisor)
    assert (day["offered"], day["answered"], day["answered_within_15s"]) == (3, 2, 1)
    assert day["connect_rate"] == pytest.approx(2 / 3)
    assert day["answered_within_15s_rate"] == pytest.approx(0.5)
