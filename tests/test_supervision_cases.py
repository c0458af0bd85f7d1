"""Supervision cases (线索): workflow, totals, circulars (通报) and the supervisor-only API."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest

from hotline.domain.lifecycle import NotAllowed, Role, State
from hotline.domain.supervision.cases import CaseError
from hotline.supervision import selectors, services
from hotline.supervision.circular import build_circular, circular_docx, circular_html
from hotline.supervision.models import CaseEvent
from tests.common.world import World
from tests.test_api import Api

SANCTIONS = [
    {"person": "张某", "unit": "zhujian", "position": "科长", "form": "诫勉"},
    {"person": "李某", "unit": "zhujian", "position": "科员", "measure": "批评教育"},
]


def _case(world: World) -> Any:
    order = world.walk(world.create(), State.HANDLING)
    finding = {"order": order.number, "detector": "rejected_return", "evidence": [4, 5],
               "explanation": "市住建局 申请退单，依据不足被驳回。"}  # fmt: skip
    return services.case_open(
        actor=world.supervisor, title="推诿扯皮、退单依据不足", units=["zhujian"],
        detector="rejected_return", findings=[finding],
    )  # fmt: skip


def test_a_case_walks_open_verify_rectify_account_close(world: World) -> None:
    case = _case(world)
    assert case.number.startswith("XS") and case.state == "open"
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="情况属实")
    services.case_rectify(actor=world.supervisor, case=case, note="已责令重新办理并回访")
    services.case_hold_accountable(actor=world.supervisor, case=case, sanctions=SANCTIONS)
    case = services.case_close(actor=world.supervisor, case=case, conclusion="问题已整改")
    assert case.state == "closed" and case.closed_at is not None and case.confirmed is True
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["open", "attach_order", "verify", "rectify", "hold_accountable", "close"]
    totals = selectors.supervision_totals(user=world.supervisor)
    assert {key: totals[key] for key in ("cases", "orders_reviewed", "problems_found",
                                         "unfounded", "people_held_accountable", "closed")} == {
        "cases": 1, "orders_reviewed": 1, "problems_found": 1, "unfounded": 0,
        "people_held_accountable": 2, "closed": 1,
    }  # fmt: skip
    assert totals["by_form"] == {"批评教育": 1, "诫勉": 1}
    assert "运用第一种形态处置 2 人次" in totals["sentences"]


def test_an_unfounded_case_closes_without_rectification(world: World) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=False, note="依据充分")
    with pytest.raises(CaseError, match="an unfounded case is closed, not rectified"):
        services.case_rectify(actor=world.supervisor, case=case, note="x")
    case = services.case_close(actor=world.supervisor, case=case, conclusion="线索不实")
    assert (case.state, case.confirmed) == ("closed", False)


@pytest.mark.parametrize(
    ("step", "kwargs", "message"),
    [
        (services.case_close, {"conclusion": "x"}, "close is not allowed in state open"),
        (services.case_verify, {"confirmed": True, "note": ""}, "note: is required"),
        (services.case_attach_order, {"order": "nope"}, "no work order 'nope'"),
    ],
)
def test_refusals_name_what_is_wrong(
    world: World, step: Any, kwargs: dict[str, Any], message: str
) -> None:
    case = _case(world)
    with pytest.raises(CaseError, match=message):
        step(actor=world.supervisor, case=case, **kwargs)


def test_sanctions_are_checked(world: World) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    services.case_rectify(actor=world.supervisor, case=case, note="整改")
    with pytest.raises(CaseError, match=r"sanctions\[0\].form: must be one of"):
        services.case_hold_accountable(
            actor=world.supervisor, case=case, sanctions=[{"person": "王某", "measure": "罚款"}]
        )
    assert case.sanctions.count() == 0


def test_only_supervisors_work_on_cases(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.case_open(actor=world.handler_a, title="x")
    _case(world)
    assert selectors.case_list(user=world.dispatcher).count() == 0


def test_circular_as_docx_and_html(world: World) -> None:
    from docx import Document

    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="情况属实")
    services.case_rectify(actor=world.supervisor, case=case, note="已整改")
    services.case_hold_accountable(actor=world.supervisor, case=case, sanctions=SANCTIONS)
    case.refresh_from_db()
    content = build_circular(
        [case],
        title="关于推诿扯皮问题的通报",
        issuer="市纪委监委",
        document_number="纪通〔2026〕3号",
        issued_on=date(2026, 11, 27),
        unit_names={"zhujian": "市住建局"},
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(circular_docx(content))).paragraphs)
    for expected in (
        "关于推诿扯皮问题的通报",
        "纪通〔2026〕3号",
        "一、市住建局推诿扯皮、退单依据不足",
        "核查，发现问题 1 个，问责 2 人",
        "张某诫勉",
        "2026年11月27日",
    ):
        assert expected in text
    page = circular_html(content)
    assert "<h1>关于推诿扯皮问题的通报</h1>" in page and "经核实：情况属实" in page


ENDPOINTS = [
    ("get", "/supervision/report", None),
    ("get", "/supervision/findings", None),
    ("get", "/supervision/scorecards", None),
    ("get", "/supervision/cases", None),
    ("post", "/supervision/cases", {"title": "x"}),
    ("get", "/supervision/totals", None),
    ("get", "/supervision/circular?cases=XS1", None),
]


@pytest.mark.parametrize("role", [Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.UNIT_LEAD,
                                  Role.CITIZEN])  # fmt: skip
def test_the_api_refuses_everyone_but_supervisors(world: World, role: Role) -> None:
    api = Api(world.by_role(role))
    for method, path, body in ENDPOINTS:
        answer = api.post(path, body) if method == "post" else api.get(path)
        assert answer.status_code == 403, (path, answer.content)


def test_the_report_carries_the_call_centers_agent_findings(world: World, tmp_path: Any) -> None:
    from hotline.callcenter.services import calllog_import
    from hotline.domain.callcenter.simulate import simulate_queue_log

    path = tmp_path / "q.log"
    with path.open("w") as out:
        simulate_queue_log(out, start=date(2026, 3, 2), days=1, calls_per_day=300, plant_away=0)
    calllog_import(path=path)
    report = Api(world.supervisor).get("/supervision/report").json()
    (busy,) = [f for f in report["findings"] if f["detector"] == "long_busy"]
    assert busy["agent"].startswith("SIP/") and busy["started_at"].endswith("+08:00")
    assert report["summary"]["by_detector"]["long_busy"] == 1


def test_the_api_for_a_supervisor(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    api = Api(world.supervisor)
    report = api.get("/supervision/report?period=month")
    assert report.status_code == 200
    assert set(report.json()) >= {"summary", "findings", "units", "pairs", "orders", "scorecards"}
    assert api.get("/supervision/findings?detector=stalled").status_code == 200
    (card,) = api.get("/supervision/scorecards?unit=zhujian").json()
    assert card["unit"] == "zhujian" and card["dispatches"] == 1
    created = api.post(
        "/supervision/cases",
        {"title": "超期未办结", "units": ["zhujian"], "findings": [{"order": order.number}]},
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["orders"] == [order.number]
    bad = api.post(f"/supervision/cases/{number}/close", {"conclusion": "x"})
    assert bad.status_code == 422 and "not allowed in state open" in bad.json()["detail"]
    verified = api.post(f"/supervision/cases/{number}/verify", {"confirmed": True, "note": "属实"})
    assert verified.status_code == 200 and verified.json()["state"] == "verifying"
    assert api.get("/supervision/totals").json()["problems_found"] == 1
    docx = api.get(f"/supervision/circular?cases={number}")
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxml")
    page = api.get(f"/supervision/circular?cases={number}&format=html")
    assert "超期未办结" in page.content.decode()
    assert api.get("/supervision/circular?cases=XS0").status_code == 404
