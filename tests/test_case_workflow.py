"""The inspector's case workflow (线索) through the services and the API: 分派, 核实 with files,
整改通知 → the unit lead's 整改报告, 问责 by 四种形态, totals; refusals name the field."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline import clock
from hotline.domain.lifecycle import NotAllowed, Role, State
from hotline.domain.supervision.cases import CaseError
from hotline.eventstore.verify import events_verify_all
from hotline.supervision import selectors, services
from hotline.supervision.models import CaseAttachment, CaseEvent, RectificationNotice
from hotline.workorders.attachments import attachments_check
from tests.common.factories import UserFactory
from tests.common.world import World
from tests.test_api import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SHANGHAI = ZoneInfo("Asia/Shanghai")
TWO_PEOPLE = [
    {"person": "张某", "unit": "zhujian", "position": "科长", "form": "诫勉"},
    {
        "person": "李某",
        "unit": "zhujian",
        "position": "副局长",
        "form": "党纪政务处分",
        "severity": "重处分",
    },
]


def _case(world: World, units: tuple[str, ...] = ("zhujian",)) -> Any:
    order = world.walk(world.create(), State.HANDLING)
    finding = {
        "order": order.number,
        "detector": "bounce",
        "evidence": [2, 3],
        "explanation": "反复流转",
    }
    return services.case_open(
        actor=world.supervisor,
        title="推诿扯皮",
        units=list(units),
        detector="bounce",
        findings=[finding],
    )


def _notified(world: World, deadline: date | None = None) -> Any:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    return services.case_notify_rectification(
        actor=world.supervisor,
        case=case,
        unit="zhujian",
        deadline=deadline or date.today() + timedelta(days=7),
        requirements="重新办理并回访群众",
    )


def test_every_step_is_a_hash_chained_event_and_verify_passes(world: World) -> None:
    case = _case(world)
    services.case_assign(actor=world.supervisor, case=case, assignee="admin")
    files = attachments_check([("核实照片.png", PNG)])
    services.case_verify(
        actor=world.supervisor, case=case, confirmed=True, note="属实", attachments=files
    )
    deadline = date.today() + timedelta(days=5)
    services.case_notify_rectification(
        actor=world.supervisor,
        case=case,
        unit="zhujian",
        deadline=deadline,
        requirements="重新办理",
    )
    assert [n["number"] for n in selectors.rectifications_for(user=world.lead_a)] == [case.number]
    report = attachments_check([("整改报告.png", PNG)])
    services.case_report_rectification(
        actor=world.lead_a, case=case.number, report="已重新办理并回访", attachments=report
    )
    assert selectors.rectifications_for(user=world.lead_a) == []
    services.case_hold_accountable(actor=world.supervisor, case=case, sanctions=TWO_PEOPLE)
    case = services.case_close(actor=world.supervisor, case=case, conclusion="已整改问责")
    assert (case.state, case.assignee) == ("closed", "admin")
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "open",
        "attach_order",
        "assign",
        "verify",
        "notify_rectification",
        "report_rectification",
        "hold_accountable",
        "close",
    ]
    notice = RectificationNotice.objects.get(case=case)
    assert (notice.reported_by, notice.late, notice.deadline) == ("lead_a", False, deadline)
    assert CaseAttachment.objects.filter(case=case).count() == 2
    result = events_verify_all()
    assert result.ok, result.broken
    assert result.sealed["case files"] == 2


def test_a_changed_case_file_breaks_verify(world: World) -> None:
    case = _case(world)
    files = attachments_check([("核实照片.png", PNG)])
    services.case_verify(
        actor=world.supervisor, case=case, confirmed=True, note="属实", attachments=files
    )
    stored = CaseAttachment.objects.get(case=case)
    with open(stored.file.path, "wb") as handle:
        handle.write(PNG + b"x")
    result = events_verify_all()
    assert result.broken is not None and "changed on disk" in result.broken.reason


def test_a_late_report_is_accepted_and_marked_late(world: World) -> None:
    case = _notified(world, deadline=date.today() + timedelta(days=1))
    later = datetime.now(SHANGHAI) + timedelta(days=3)
    assert selectors.rectifications_for(user=world.lead_a)[0]["overdue"] is False
    with clock.frozen_at(later):
        assert selectors.rectifications_for(user=world.lead_a)[0]["overdue"] is True
        assert selectors.supervision_totals(user=world.supervisor)["notices_overdue"] == 1
        services.case_report_rectification(actor=world.lead_a, case=case, report="已整改")
    assert RectificationNotice.objects.get(case=case).late is True
    totals = selectors.supervision_totals(user=world.supervisor)
    assert (totals["notices_sent"], totals["notices_reported"]) == (1, 1)
    assert totals["notices_reported_late"] == 1


def test_only_the_notified_units_lead_reports(world: World) -> None:
    case = _notified(world)
    lead_b = UserFactory(username="lead_b", role=Role.UNIT_LEAD, unit=world.unit_b)
    for actor in (world.handler_a, lead_b, world.supervisor):
        with pytest.raises(NotAllowed):
            services.case_report_rectification(actor=actor, case=case, report="x")
    assert selectors.rectifications_for(user=lead_b) == []
    assert selectors.rectifications_for(user=world.handler_a) == []
    (notice,) = selectors.rectifications_for(user=world.lead_a)
    assert set(notice) == {"number", "title", "requirements", "deadline", "overdue", "notified_at"}


def test_the_lead_cannot_report_twice(world: World) -> None:
    case = _notified(world)
    services.case_report_rectification(actor=world.lead_a, case=case, report="已整改")
    with pytest.raises(CaseError) as refused:
        services.case_report_rectification(actor=world.lead_a, case=case, report="再报")
    assert refused.value.field == "unit"


@pytest.mark.parametrize(
    ("step", "kwargs", "field"),
    [
        (services.case_assign, {"assignee": "handler_a"}, "assignee"),
        (services.case_assign, {"assignee": "nobody"}, "assignee"),
        (
            services.case_notify_rectification,
            {"unit": "zhujian", "deadline": date(2020, 1, 1), "requirements": "x"},
            "deadline",
        ),
        (
            services.case_notify_rectification,
            {"unit": "lvhua", "deadline": date(2099, 1, 1), "requirements": "x"},
            "unit",
        ),
        (
            services.case_notify_rectification,
            {"unit": "zhujian", "deadline": date(2099, 1, 1), "requirements": " "},
            "requirements",
        ),
    ],
)
def test_refusals_name_the_field_and_write_nothing(
    world: World, step: Any, kwargs: dict[str, Any], field: str
) -> None:
    case = _case(world)
    services.case_verify(actor=world.supervisor, case=case, confirmed=True, note="属实")
    before = CaseEvent.objects.count()
    with pytest.raises(CaseError) as refused:
        step(actor=world.supervisor, case=case, **kwargs)
    assert refused.value.field == field
    assert CaseEvent.objects.count() == before
    assert RectificationNotice.objects.count() == 0


def test_a_sanction_names_a_known_unit(world: World) -> None:
    case = _notified(world)
    with pytest.raises(CaseError) as refused:
        services.case_hold_accountable(
            actor=world.supervisor,
            case=case,
            sanctions=[{"person": "王某", "unit": "nowhere", "form": "诫勉"}],
        )
    assert refused.value.field == "sanctions[0].unit"
    assert case.sanctions.count() == 0


def test_totals_count_the_four_forms_by_period(world: World) -> None:
    case = _notified(world)
    services.case_hold_accountable(actor=world.supervisor, case=case, sanctions=TWO_PEOPLE)
    services.case_hold_accountable(
        actor=world.supervisor,
        case=case,
        sanctions=[{"person": "王某", "unit": "zhujian", "form": "谈话提醒"}],
    )
    totals = selectors.supervision_totals(user=world.supervisor, period="quarter")
    assert totals["by_form"] == {"谈话提醒": 1, "诫勉": 1, "党纪政务处分": 1}
    assert totals["by_unit"] == {"zhujian": 3}
    assert [s["people"] for s in totals["by_stage"]] == [2, 0, 1, 0]
    assert totals["sentences"][0] == "运用第一种形态处置 2 人次"
    assert totals["sentences"][-1] == "给予党纪政务处分 1 人"
    (period,) = totals["by_period"]
    assert period["period"].endswith("季度") and period["people"] == 3
    assert period["cases"] == 1 and period["notices"] == 1
    assert selectors.supervision_totals(user=world.handler_a)["people_held_accountable"] == 0


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_the_api_reaches_every_new_step(world: World) -> None:
    api = Api(world.supervisor)
    order = world.walk(world.create(), State.HANDLING)
    number = api.post(
        "/supervision/cases",
        {"title": "超期", "units": ["zhujian"], "findings": [{"order": order.number}]},
    ).json()["number"]
    assigned = api.post(f"/supervision/cases/{number}/assign", {"assignee": "supervisor"})
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "supervisor"
    bad_file = api.post(
        f"/supervision/cases/{number}/verify",
        {
            "confirmed": True,
            "note": "属实",
            "attachments": [{"name": "a.png", "content_base64": _b64(b"MZ nope")}],
        },
    )
    assert bad_file.status_code == 422 and "attachments" in str(bad_file.json()["detail"])
    verified = api.post(
        f"/supervision/cases/{number}/verify",
        {
            "confirmed": True,
            "note": "属实",
            "attachments": [{"name": "a.png", "content_base64": _b64(PNG)}],
        },
    )
    assert verified.status_code == 200, verified.content
    bad = api.post(
        f"/supervision/cases/{number}/notify_rectification",
        {"unit": "zhujian", "deadline": "soon", "requirements": "x"},
    )
    assert bad.status_code == 422 and "deadline" in str(bad.json()["detail"])
    missing = api.post(
        f"/supervision/cases/{number}/notify_rectification",
        {"unit": "zhujian", "requirements": "x"},
    )
    assert missing.status_code == 422 and missing.json()["detail"].startswith("deadline")
    deadline = (date.today() + timedelta(days=3)).isoformat()
    notified = api.post(
        f"/supervision/cases/{number}/notify_rectification",
        {"unit": "zhujian", "deadline": deadline, "requirements": "重办"},
    )
    assert notified.status_code == 200 and notified.json()["state"] == "rectifying"

    handler = Api(world.handler_a)
    assert handler.get("/supervision/rectifications").json() == []
    refused = handler.post(f"/supervision/rectifications/{number}/report", {"report": "x"})
    assert refused.status_code == 403
    lead = Api(world.lead_a)
    (open_notice,) = lead.get("/supervision/rectifications").json()
    assert open_notice["number"] == number and open_notice["deadline"] == deadline
    assert lead.get("/supervision/cases").status_code == 403  # the rest of the case is not theirs
    reported = lead.post(
        f"/supervision/rectifications/{number}/report",
        {"report": "已整改", "attachments": [{"name": "r.png", "content_base64": _b64(PNG)}]},
    )
    assert reported.status_code == 200 and reported.json()["late"] is False

    bad_sanction = api.post(
        f"/supervision/cases/{number}/hold_accountable",
        {"sanctions": [{"person": "张某", "form": "党纪政务处分"}]},
    )
    assert bad_sanction.status_code == 422
    assert bad_sanction.json()["detail"].startswith("sanctions[0].severity")
    held = api.post(f"/supervision/cases/{number}/hold_accountable", {"sanctions": TWO_PEOPLE})
    assert held.status_code == 200 and held.json()["people_held_accountable"] == 2
    totals = api.get("/supervision/totals?period=quarter").json()
    assert totals["by_stage"][0]["people"] == 1 and totals["discipline"] == 1
    assert api.get("/supervision/totals?period=decade").status_code == 422
    assert events_verify_all().ok


def test_a_case_names_known_units(world: World) -> None:
    with pytest.raises(CaseError) as refused:
        services.case_open(actor=world.supervisor, title="x", units=["zhujian", "nowhere"])
    assert refused.value.field == "units" and "nowhere" in refused.value.message


def test_sanctions_stored_under_the_older_names_still_count(world: World) -> None:
    from hotline.supervision.models import CaseSanction

    case = _case(world)
    for person, measure in (("甲", "诫勉谈话"), ("乙", "党纪处分"), ("丙", "政务处分")):
        CaseSanction.objects.create(case=case, person=person, unit="市住建局", measure=measure)
    totals = selectors.supervision_totals(user=world.supervisor)
    assert totals["by_form"] == {"诫勉": 1, "党纪政务处分": 2}
    assert [s["people"] for s in totals["by_stage"]] == [1, 2, 0, 0]
    assert totals["sentences"][-1] == "给予党纪政务处分 2 人"
