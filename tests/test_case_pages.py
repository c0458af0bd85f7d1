"""The inspector's case pages (线索) with the test client: list, open from a finding or order,
each step's form, errors naming the field, the unit lead's 整改报告 from the inbox, totals."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.domain.lifecycle import Role, State
from hotline.eventstore.verify import events_verify_all
from hotline.supervision import services
from hotline.supervision.models import CaseEvent, RectificationNotice, SupervisionCase
from tests.common.factories import UserFactory
from tests.common.second_factor import force_login_verified
from tests.common.world import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# Codes and raw values a page must never show as text.
RAW = re.compile(
    r"zhujian|chengguan|notify_rectification|hold_accountable|\{'|'\]|\d{4}-\d\d-\d\dT"
)


def _client(user: Any) -> Client:
    return force_login_verified(Client(), user)


def _text(response: Any) -> str:
    """The page's visible text (no tags, attributes or scripts)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _case(world: World) -> SupervisionCase:
    order = world.walk(world.create(), State.HANDLING)
    return services.case_open(
        actor=world.supervisor,
        title="推诿扯皮",
        units=["zhujian"],
        detector="bounce",
        findings=[{"order": order.number, "detector": "bounce", "evidence": [2, 3]}],
    )


def test_opening_a_case_from_a_finding(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    client = _client(world.supervisor)
    query = f"?detector=bounce&order={order.number}&unit=zhujian&evidence=2,3&explanation=反复流转"
    form = client.get(f"/cases/new/{query}")
    assert form.status_code == 200
    page = form.content.decode()
    assert 'value="市住建局推诿扯皮（反复流转）"' in page and order.number in page
    empty = client.post("/cases/new/", {"title": " ", "units": ["zhujian"]})
    assert empty.status_code == 422 and "标题" in _text(empty)
    assert SupervisionCase.objects.count() == 0
    bad_order = client.post("/cases/new/", {"title": "x", "orders": "NOPE"})
    assert bad_order.status_code == 422 and "NOPE" in _text(bad_order)
    assert SupervisionCase.objects.count() == 0  # nothing half written
    opened = client.post(
        "/cases/new/",
        {
            "title": "推诿扯皮",
            "units": ["zhujian"],
            "detector": "bounce",
            "orders": order.number,
            "evidence": "2,3",
            "explanation": "反复流转",
        },
    )
    case = SupervisionCase.objects.get()
    assert opened.status_code == 302 and opened.url == f"/cases/{case.number}/"
    page = client.get(opened.url)
    text = _text(page)
    assert "市住建局" in text and "推诿扯皮（反复流转）" in text and "已立线索" in text
    assert f"/orders/{order.number}/?evidence=2,3#seq-2" in page.content.decode()
    assert not RAW.search(text), RAW.search(text)


def test_every_step_through_the_forms(world: World) -> None:
    case = _case(world)
    client = _client(world.supervisor)
    url = f"/cases/{case.number}/"
    page = client.get(url).content.decode()
    assert 'id="form-assign"' in page and 'id="form-verify"' in page
    assert 'id="form-close"' not in page and 'id="form-notify_rectification"' not in page
    assert client.post(url + "assign/", {"assignee": "supervisor"}).status_code == 302
    no_choice = client.post(url + "verify/", {"note": "属实"})
    assert no_choice.status_code == 422 and "问题属实" in _text(no_choice)
    bad_file = client.post(
        url + "verify/",
        {"confirmed": "yes", "note": "属实", "attachments": SimpleUploadedFile("a.png", b"MZ")},
    )
    assert bad_file.status_code == 422 and "附件" in _text(bad_file)
    assert CaseEvent.objects.filter(case=case, action="verify").count() == 0
    verified = client.post(
        url + "verify/",
        {"confirmed": "yes", "note": "属实", "attachments": SimpleUploadedFile("核实.png", PNG)},
    )
    assert verified.status_code == 302
    past = client.post(
        url + "notify_rectification/",
        {"unit": "zhujian", "deadline": "2020-01-01", "requirements": "重办"},
    )
    assert past.status_code == 422 and "整改期限" in _text(past)
    garbled = client.post(
        url + "notify_rectification/",
        {"unit": "zhujian", "deadline": "明天", "requirements": "重办"},
    )
    assert garbled.status_code == 422 and "整改期限" in _text(garbled)
    deadline = (date.today() + timedelta(days=5)).isoformat()
    sent = client.post(
        url + "notify_rectification/",
        {"unit": "zhujian", "deadline": deadline, "requirements": "重新办理并回访"},
    )
    assert sent.status_code == 302
    half = client.post(
        url + "hold_accountable/",
        {
            "person_0": "张某",
            "unit_0": "zhujian",
            "position_0": "科长",
            "form_0": "党纪政务处分",
            "person_1": "",
            "unit_1": "",
            "position_1": "",
            "form_1": "",
        },
    )
    assert half.status_code == 422 and "第 1 人 处分轻重" in _text(half)
    assert case.sanctions.count() == 0
    held = client.post(
        url + "hold_accountable/",
        {
            "person_0": "张某",
            "unit_0": "zhujian",
            "position_0": "科长",
            "form_0": "诫勉",
            "person_1": "李某",
            "unit_1": "zhujian",
            "position_1": "副局长",
            "form_1": "党纪政务处分",
            "severity_1": "重处分",
            "person_2": "",
            "unit_2": "",
            "position_2": "",
            "form_2": "",
        },
    )
    assert held.status_code == 302 and case.sanctions.count() == 2
    closed = client.post(url + "close/", {"conclusion": "已整改问责"})
    assert closed.status_code == 302
    page = client.get(url)
    text = _text(page)
    for shown in (
        "已办结",
        "分派承办",
        "整改通知",
        "诫勉 · 第一种形态",
        "党纪政务处分（重处分） · 第三种形态",
        "核实.png",
        "重新办理并回访",
        "市住建局",
    ):
        assert shown in text, shown
    assert not RAW.search(text), RAW.search(text)
    (link,) = re.findall(r'href="(/cases/[^"]+/files/\d+/)"', page.content.decode())
    assert client.get(link).status_code == 200
    assert events_verify_all().ok


def test_the_lead_answers_from_the_inbox(world: World) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    services.case_notify_rectification(
        actor=world.supervisor,
        case=case,
        unit="zhujian",
        deadline=date.today() + timedelta(days=3),
        requirements="重新办理并回访",
    )
    services.case_hold_accountable(
        actor=world.supervisor, case=case, sanctions=[{"person": "秘密某", "form": "诫勉"}]
    )
    lead = _client(world.lead_a)
    inbox = _text(lead.get("/inbox/"))
    assert case.number in inbox and "重新办理并回访" in inbox and "整改期限" in inbox
    assert "秘密某" not in inbox  # sanctions are not the unit's to read
    assert lead.get(f"/cases/{case.number}/").status_code == 404
    empty = lead.post(f"/cases/{case.number}/report/", {"report": " "}, follow=True)
    assert "整改报告" in _text(empty) and RectificationNotice.objects.get().reported_at is None
    done = lead.post(
        f"/cases/{case.number}/report/",
        {"report": "已重新办理", "attachments": SimpleUploadedFile("整改.png", PNG)},
        follow=True,
    )
    assert "整改报告已提交" in _text(done)
    assert case.number not in _text(lead.get("/inbox/"))
    assert RectificationNotice.objects.get().report == "已重新办理"


def test_others_cannot_report_or_see_cases(world: World) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    services.case_notify_rectification(
        actor=world.supervisor,
        case=case,
        unit="zhujian",
        deadline=date.today() + timedelta(days=3),
        requirements="重办",
    )
    lead_b = UserFactory(username="lead_b", role=Role.UNIT_LEAD, unit=world.unit_b)
    assert case.number not in _text(_client(lead_b).get("/inbox/"))
    assert _client(lead_b).post(f"/cases/{case.number}/report/", {"report": "x"}).status_code == 404
    handler = _client(world.handler_a)
    assert handler.post(f"/cases/{case.number}/report/", {"report": "x"}).status_code == 404
    for path in ("/cases/", "/cases/new/", "/cases/totals/", f"/cases/{case.number}/"):
        assert handler.get(path).status_code == 404, path
    assert RectificationNotice.objects.get().reported_at is None


def test_the_list_filters_and_names(world: World) -> None:
    case = _case(world)
    services.case_assign(actor=world.supervisor, case=case, assignee="admin")
    client = _client(world.admin)
    listed = client.get(
        "/cases/?state=open&unit=zhujian&detector=bounce&assignee=admin&opened_from=2000-01-01"
    )
    assert case.number in _text(listed) and "市住建局" in _text(listed)
    assert not RAW.search(_text(listed))
    assert case.number not in _text(client.get("/cases/?state=closed"))
    assert case.number not in _text(client.get("/cases/?unit=chengguan"))
    bad = client.get("/cases/?opened_from=yesterday")
    assert bad.status_code == 422 and "立案日期起" in _text(bad)


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_totals_page_writes_the_four_forms(world: World, period: str) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    services.case_rectify(actor=world.supervisor, case=case, note="整改")
    services.case_hold_accountable(
        actor=world.supervisor,
        case=case,
        sanctions=[
            {"person": "张某", "unit": "zhujian", "form": "谈话提醒"},
            {"person": "李某", "unit": "zhujian", "form": "党纪政务处分", "severity": "轻处分"},
        ],
    )
    page = _client(world.supervisor).get(f"/cases/totals/?period={period}")
    text = _text(page)
    assert "运用第一种形态处置 1 人次" in text and "给予党纪政务处分 1 人" in text
    assert "市住建局" in text and ("季度" in text if period == "quarter" else "月" in text)
    assert not RAW.search(text)
    bad = _client(world.supervisor).get("/cases/totals/?from=soon")
    assert bad.status_code == 422 and "起始日期" in _text(bad)


def test_entry_links_on_the_dashboard_and_order_page(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    supervisor = _client(world.supervisor)
    assert "/cases/new/?order=" in supervisor.get(f"/orders/{order.number}/").content.decode()
    handler = _client(world.handler_a)
    assert "/cases/new/" not in handler.get(f"/orders/{order.number}/").content.decode()
    dashboard = supervisor.get("/tianyan/").content.decode()
    assert "/cases/new/" in dashboard  # the "no cases" box offers 开线索
