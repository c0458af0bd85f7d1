"""通报 (circulars) kept in the database: draft, edit, publish, sealing, and who sees them; and
their pages: compose, preview, .docx, publish, the units' list and inbox line."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from hotline.domain.lifecycle import NotAllowed, State
from hotline.supervision import circulars, services
from hotline.supervision.circulars import CircularError
from hotline.supervision.models import Circular, CircularUnit, SupervisionCase
from tests.common.second_factor import force_login_verified
from tests.common.world import World

FINDING = {
    "order": "",
    "detector": "close_without_contact",
    "unit": "chengguan",
    "explanation": "市城管局 未联系诉求人即申请办结。",
    "evidence": [3],
}


def closed_case(world: World, *, units: tuple[str, ...] = ("zhujian",)) -> SupervisionCase:
    """A case opened on an order, verified as founded and closed: what a circular reports."""
    order = world.walk(world.create(), State.HANDLING)
    finding = {"order": order.number, "detector": "rejected_return",
               "explanation": "市住建局 申请退单，依据不足被驳回。"}  # fmt: skip
    case = services.case_open(
        actor=world.supervisor, title="推诿扯皮、退单依据不足", units=list(units),
        detector="rejected_return", findings=[finding],
    )  # fmt: skip
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="情况属实")
    services.case_rectify(actor=world.supervisor, case=case, note="已责令重新办理")
    return services.case_close(actor=world.supervisor, case=case, conclusion="已整改")


def draft(world: World, case: SupervisionCase, **overrides: Any) -> Circular:
    fields: dict[str, Any] = {
        "actor": world.supervisor,
        "number": "热线纪通〔2026〕1号",
        "title": "关于推诿扯皮问题的通报",
        "issued_on": date(2026, 11, 27),
        "cases": [case.number],
    }
    fields.update(overrides)
    return circulars.circular_draft(**fields)


def test_a_draft_proposes_its_body_from_the_cases_and_findings(world: World) -> None:
    case = closed_case(world)
    order = world.walk(world.create(), State.HANDLING)
    circular = draft(
        world, case, findings=[{**FINDING, "order": order.number}],
        detector_names={"close_without_contact": "未联系即办结"},
    )  # fmt: skip
    assert circular.state == "draft" and circular.units == ["zhujian", "chengguan"]
    headings = [s["heading"] for s in circular.sections]
    assert headings == ["一、市住建局推诿扯皮、退单依据不足", "二、市城管局未联系即办结"]
    assert "经核实：情况属实" in circular.sections[0]["paragraphs"]
    assert circular.sections[1]["paragraphs"] == [f"工单 {order.number}：{FINDING['explanation']}"]
    assert "发现问题 2 个" in circular.opening and "2 起典型问题" in circular.opening
    assert circulars.number_proposed(year=2026) == "热线纪通〔2026〕2号"
    assert circulars.number_proposed(year=2027) == "热线纪通〔2027〕1号"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"number": "2026-3"}, "number", "文号：须形如"),
        ({"title": "  "}, "title", "标题：不能为空"),
        ({"cases": []}, "cases", "案件或线索：请至少选择一项"),
        ({"cases": ["XS0"]}, "cases", "案件：没有案件 XS0"),
        ({"findings": [{"detector": "", "order": "x"}]}, "findings", "线索：每条线索须有"),
    ],
)
def test_a_draft_refuses_bad_input_naming_the_field(
    world: World, overrides: dict[str, Any], field: str, message: str
) -> None:
    case = closed_case(world)
    with pytest.raises(CircularError, match=message) as refused:
        draft(world, case, **overrides)
    assert refused.value.field == field
    assert not Circular.objects.exists()


def test_only_closed_confirmed_cases_and_unused_numbers(world: World) -> None:
    case = closed_case(world)
    order = world.walk(world.create(), State.HANDLING)
    open_case = services.case_open(actor=world.supervisor, title="未办结", units=["zhujian"],
                                   findings=[{"order": order.number}])  # fmt: skip
    with pytest.raises(CircularError, match="尚未办结或未经核实属实"):
        draft(world, case, cases=[open_case.number])
    draft(world, case)
    with pytest.raises(CircularError, match="已被使用"):
        draft(world, case)
    with pytest.raises(NotAllowed):
        draft(world, case, actor=world.handler_a, number="热线纪通〔2026〕9号")


def test_a_draft_is_edited_then_published_and_sealed(world: World) -> None:
    circular = draft(world, closed_case(world))
    edited = circulars.circular_update(
        actor=world.supervisor, circular=circular, number="热线纪通〔2026〕5号",
        opening="现将有关情况通报如下：",
        sections=[{"heading": "一、市住建局退单依据不足", "paragraphs": ["改写的段落", " "]}],
    )  # fmt: skip
    assert edited.number == "热线纪通〔2026〕5号"
    assert edited.sections == [
        {"heading": "一、市住建局退单依据不足", "paragraphs": ["改写的段落"]}
    ]
    with pytest.raises(CircularError, match="缺少标题") as refused:
        circulars.circular_update(
            actor=world.supervisor, circular=edited, sections=[{"heading": "", "paragraphs": []}]
        )
    assert refused.value.field == "sections"
    published = circulars.circular_publish(actor=world.supervisor, circular=edited)
    assert published.state == "published" and published.published_by == "supervisor"
    assert list(CircularUnit.objects.values_list("unit", flat=True)) == ["zhujian"]
    with pytest.raises(CircularError, match="已发布的通报不能修改"):
        circulars.circular_update(actor=world.supervisor, circular=published, title="改")
    with pytest.raises(CircularError, match="已发布的通报不能修改"):
        circulars.circular_publish(actor=world.supervisor, circular=published)


def test_the_database_refuses_to_change_a_published_circular(world: World) -> None:
    circular = draft(world, closed_case(world))
    Circular.objects.filter(pk=circular.pk).update(title="草稿可以改")  # a draft may change
    circulars.circular_publish(actor=world.supervisor, circular=circular)
    for change in (
        lambda: Circular.objects.filter(pk=circular.pk).update(title="改"),
        lambda: Circular.objects.filter(pk=circular.pk)._raw_delete("default"),
        lambda: CircularUnit.objects.filter(circular=circular)._raw_delete("default"),
        lambda: CircularUnit.objects.filter(circular=circular).update(unit="chengguan"),
    ):
        with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
            change()
    assert Circular.objects.get(pk=circular.pk).title == "草稿可以改"


def test_units_see_only_published_circulars_naming_them(world: World) -> None:
    circular = draft(world, closed_case(world, units=("zhujian",)))
    assert circulars.circular_list(user=world.supervisor).count() == 1
    assert circulars.circular_list(user=world.admin).count() == 1
    for reader in (world.lead_a, world.handler_a, world.handler_b, world.agent, world.citizen):
        assert not circulars.circular_list(user=reader).exists()  # drafts are never shown
    circulars.circular_publish(actor=world.supervisor, circular=circular)
    assert circulars.circular_get(user=world.lead_a, number=circular.number) is not None
    assert circulars.circular_get(user=world.handler_a, number=circular.number) is not None
    for reader in (world.handler_b, world.agent, world.dispatcher, world.citizen):
        assert circulars.circular_get(user=reader, number=circular.number) is None
    assert list(circulars.circulars_naming(unit="zhujian")) == [circular]
    assert not circulars.circulars_naming(unit="chengguan").exists()


# -- pages ---------------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    return force_login_verified(Client(), user)


def test_compose_preview_download_and_publish_in_pages(world: World) -> None:
    from docx import Document

    case = closed_case(world)
    boss = _client(world.supervisor)
    page = boss.get("/circulars/new/").content.decode()
    assert "热线纪通〔2026〕1号" in page or "热线纪通〔" in page
    assert case.number in page and "市住建局" in page
    chosen = boss.get(f"/circulars/new/?cases={case.number}").content.decode()
    assert f'value="{case.number}" id="case-{case.number}" checked' in chosen
    created = boss.post("/circulars/new/", {
        "number": "热线纪通〔2026〕7号", "title": "关于退单问题的通报", "issuer": "市纪委监委",
        "issued_on": "2026-11-27", "cases": [case.number],
    })  # fmt: skip
    assert created.status_code == 302
    detail = boss.get(created["Location"]).content.decode()
    assert "关于退单问题的通报" in detail and 'class="red-line"' in detail
    assert "一、市住建局推诿扯皮、退单依据不足" in detail and "2026年11月27日" in detail
    docx = boss.get("/circulars/热线纪通〔2026〕7号/docx/")
    assert docx.status_code == 200 and "filename*=UTF-8''" in docx["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "热线纪通〔2026〕7号" in text and "市住建局" in text and "关于退单问题的通报" in text

    saved = boss.post("/circulars/热线纪通〔2026〕7号/", {
        "number": "热线纪通〔2026〕7号", "title": "关于退单问题的通报", "issuer": "市纪委监委",
        "addressee": "各有关单位：", "issued_on": "2026-11-28", "opening": "现通报如下：",
        "closing": "特此通报。", "heading": ["一、市住建局退单依据不足"], "paragraphs": ["甲\n乙"],
    })  # fmt: skip
    assert saved.status_code == 302
    row = Circular.objects.get()
    assert (row.addressee, row.closing, row.issued_on) == (
        "各有关单位：",
        "特此通报。",
        date(2026, 11, 28),
    )
    assert row.sections == [{"heading": "一、市住建局退单依据不足", "paragraphs": ["甲", "乙"]}]

    # Units see nothing of a draft.
    assert _client(world.lead_a).get("/circulars/热线纪通〔2026〕7号/").status_code == 404
    assert boss.post("/circulars/热线纪通〔2026〕7号/publish/").status_code == 302
    assert Circular.objects.get().state == "published"

    lead = _client(world.lead_a)
    assert "热线纪通〔2026〕7号" in lead.get("/circulars/").content.decode()
    assert "点名了本单位" in lead.get("/inbox/").content.decode()
    assert lead.get("/circulars/热线纪通〔2026〕7号/docx/").status_code == 200
    assert lead.post("/circulars/热线纪通〔2026〕7号/", {"title": "x"}).status_code == 404
    other = _client(world.handler_b)
    assert "热线纪通〔2026〕7号" not in other.get("/circulars/").content.decode()
    assert "点名了本单位" not in other.get("/inbox/").content.decode()
    assert other.get("/circulars/热线纪通〔2026〕7号/").status_code == 404
    assert _client(world.agent).get("/circulars/").status_code == 404
    assert lead.get("/circulars/new/").status_code == 404
    # Published: no edit form, no publish button; a second publish is refused with a message.
    page = boss.get("/circulars/热线纪通〔2026〕7号/").content.decode()
    assert 'id="publish"' not in page and 'name="opening"' not in page
    again = boss.post("/circulars/热线纪通〔2026〕7号/publish/", follow=True).content.decode()
    assert "已发布的通报不能修改" in again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "第三号"}, "文号：须形如"),
        ({"cases": []}, "案件或线索：请至少选择一项"),
        ({"issued_on": "2026-13-40"}, "成文日期：请填写有效日期"),
        ({"findings": ["bounce|NOPE|1"]}, "线索：所选线索已不在最新报告中"),
        ({"title": ""}, "标题：不能为空"),
    ],
)
def test_compose_page_names_the_bad_field(
    world: World, fields: dict[str, Any], message: str
) -> None:
    case = closed_case(world)
    form = {"number": "热线纪通〔2026〕7号", "title": "通报", "issuer": "市纪委监委",
            "issued_on": "2026-11-27", "cases": [case.number], **fields}  # fmt: skip
    response = _client(world.supervisor).post("/circulars/new/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Circular.objects.exists()


def test_edit_page_names_the_bad_field(world: World) -> None:
    circular = draft(world, closed_case(world))
    response = _client(world.supervisor).post(f"/circulars/{circular.number}/", {
        "number": "热线纪通〔2026〕1号", "title": "通报", "issuer": "市纪委监委",
        "addressee": "各单位：", "issued_on": "2026-11-27", "opening": "", "closing": "完",
        "heading": [], "paragraphs": [],
    })  # fmt: skip
    assert response.status_code == 200 and "开头：不能为空" in response.content.decode()
    assert Circular.objects.get().opening == circular.opening


def test_a_circular_of_findings_chosen_on_the_compose_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = world.walk(world.create(), State.HANDLING)
    other = world.walk(world.create(), State.HANDLING)
    findings = [
        {**FINDING, "order": order.number, "severity": "high", "agent": None},
        {**FINDING, "order": other.number, "detector": "bounce", "unit": "zhujian",
         "explanation": "在单位间反复流转", "severity": "high", "agent": None},
        {**FINDING, "order": None, "detector": "long_busy", "unit": None, "agent": "a1"},
    ]  # fmt: skip
    monkeypatch.setattr(
        "hotline.web.views.circulars.supervision_report_cached", lambda: {"findings": findings}
    )
    boss = _client(world.supervisor)
    page = boss.get("/circulars/new/?detector=close_without_contact").content.decode()
    assert order.number in page and other.number not in page
    assert "市城管局" in page and "未联系即办结" in page and ">chengguan<" not in page
    assert "显示 1 / 1 条" in page  # the agent's finding names no unit: not offered
    key = f"close_without_contact|{order.number}|3"
    created = boss.post("/circulars/new/", {
        "number": "热线纪通〔2026〕2号", "title": "通报", "issuer": "市纪委监委",
        "issued_on": "2026-11-27", "findings": [key],
    })  # fmt: skip
    assert created.status_code == 302
    row = Circular.objects.get()
    assert row.units == ["chengguan"] and row.cases == []
    expected = {"order": order.number, "detector": "close_without_contact", "unit": "chengguan",
                "explanation": FINDING["explanation"]}  # fmt: skip
    assert row.findings == [expected]
    assert row.sections[0]["heading"] == "一、市城管局未联系即办结"
