"""联络员 (liaison officers): scoped to units or areas, they read those orders and findings, mark
key orders (重点工单) with a note, and hand them to an inspector's case — and nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from hotline import clock
from hotline.accounts.models import LiaisonScope, User
from hotline.domain.lifecycle import NotAllowed, State
from hotline.domain.supervision.cases import CaseError
from hotline.reference.models import Area as RefArea
from hotline.supervision import liaison, services
from hotline.supervision.models import CaseEvent, CaseOrder, SupervisionCase
from hotline.workorders import services as s
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.selectors import restrict_orders
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api


@pytest.fixture
def orders(world: World) -> dict[str, WorkOrder]:
    """One order with unit a, one received on 和平里街道 (no unit yet), one with unit b."""
    return {
        "a": world.walk(world.create(), State.DISPATCHED),
        "heping": world.create(area="hepingli"),
        "b": s.workorder_dispatch(
            actor=world.dispatcher, order=world.create().number, to_unit=world.unit_b.code
        ),
    }


def _report(findings: list[dict[str, Any]]) -> Any:
    return lambda **_: {"summary": {}, "findings": findings, "units": []}


def _finding(order: str, unit: str, explanation: str) -> dict[str, Any]:
    return {
        "detector": "bounce",
        "severity": "high",
        "order": order,
        "unit": unit,
        "agent": None,
        "evidence": [1],
        "explanation": explanation,
    }


@pytest.fixture
def findings(orders: dict[str, WorkOrder], monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    rows = [
        _finding(orders["a"].number, "zhujian", "住建局反复流转"),
        _finding(orders["b"].number, "chengguan", "城管局推诿不办"),
        {**_finding("", "", "话务员长时间示忙"), "order": None, "detector": "long_busy"},
    ]
    monkeypatch.setattr("hotline.supervision.selectors.database_report", _report(rows))
    return rows


def _case(world: World, orders: dict[str, WorkOrder], title: str = "推诿扯皮") -> Any:
    return services.case_open(actor=world.supervisor, title=title, units=["chengguan"])


def _page(world: World) -> Client:
    return force_login_verified(Client(), world.liaison)


# -- scope -------------------------------------------------------------------------------------


def test_a_liaison_reads_the_orders_of_their_unit_and_street_only(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    seen = set(restrict_orders(world.liaison).values_list("number", flat=True))
    assert seen == {orders["a"].number, orders["heping"].number}
    page = _page(world)
    listing = page.get("/orders/").content.decode()
    assert orders["a"].number in listing and orders["heping"].number in listing
    assert orders["b"].number not in listing
    detail = page.get(f"/orders/{orders['a'].number}/")
    assert detail.status_code == 200 and 'id="form-mark_key"' in detail.content.decode()
    assert page.get(f"/orders/{orders['b'].number}/").status_code == 404
    api = Api(world.liaison)
    assert api.get(f"/orders/{orders['heping'].number}").status_code == 200
    assert api.get(f"/orders/{orders['b'].number}").status_code == 404


def test_a_liaison_reads_masked_caller_data_and_a_reveal_is_logged(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    from hotline.workorders.models import PersonalDataAccess

    api = Api(world.liaison)
    assert api.get(f"/orders/{orders['a'].number}").json()["caller"]["phone"] == "138****1234"
    assert not PersonalDataAccess.objects.exists()
    revealed = api.get(f"/orders/{orders['a'].number}?unmask=true").json()
    assert revealed["caller"]["phone"] == "13812341234"
    assert PersonalDataAccess.objects.get().user == world.liaison
    assert api.get(f"/orders/{orders['b'].number}?unmask=true").status_code == 404


def test_an_assigned_district_takes_in_its_streets(world: World) -> None:
    district = RefArea.objects.create(code="xicheng-qu", name="西城区")
    RefArea.objects.create(code="jinrongjie", name="金融街街道", parent=district)
    RefArea.objects.create(code="xichangan", name="西长安街街道", parent=district)
    LiaisonScope.objects.create(user=world.liaison, area="xicheng-qu")
    street = world.create(area="jinrongjie")
    other = world.create(area="xichangan")
    seen = set(restrict_orders(world.liaison).values_list("number", flat=True))
    assert {street.number, other.number} <= seen


def test_a_liaison_without_scope_sees_no_order(world: World, orders: dict[str, WorkOrder]) -> None:
    world.liaison.liaison_scopes.all().delete()
    assert not restrict_orders(world.liaison).exists()
    assert _page(world).get(f"/orders/{orders['a'].number}/").status_code == 404


# -- 重点工单 -----------------------------------------------------------------------------------


def test_marking_a_key_order_writes_an_event_with_the_note_and_the_liaison(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    response = _page(world).post(
        "/liaison/", {"do": "mark", "order": orders["a"].number, "note": "群众多次反映，列为重点"}
    )
    assert response.status_code == 302
    event = WorkOrderEvent.objects.get(order=orders["a"], action="mark_key")
    assert event.actor == "liaison" and event.data["note"] == "群众多次反映，列为重点"
    page = _page(world).get("/liaison/").content.decode()
    assert "群众多次反映，列为重点" in page and "联络员小周" in page


def test_marking_an_order_outside_the_scope_is_not_found_and_writes_nothing(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    before = WorkOrderEvent.objects.count()
    with pytest.raises(s.NotFound):
        s.workorder_mark_key(actor=world.liaison, order=orders["b"].number, note="越权标记")
    response = _page(world).post(
        "/liaison/", {"do": "mark", "order": orders["b"].number, "note": "越权标记"}, follow=True
    )
    assert "不在您的分管范围内" in response.content.decode()
    api = Api(world.liaison).post(f"/orders/{orders['b'].number}/mark_key", {"note": "越权"})
    assert api.status_code == 404
    assert WorkOrderEvent.objects.count() == before


def test_a_mark_without_a_note_is_refused_naming_the_note(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    response = _page(world).post(
        "/liaison/", {"do": "mark", "order": orders["a"].number, "note": " "}, follow=True
    )
    assert "说明" in response.content.decode()
    assert not WorkOrderEvent.objects.filter(action="mark_key").exists()


def test_only_a_liaison_marks_key_orders(world: World, orders: dict[str, WorkOrder]) -> None:
    with pytest.raises(NotAllowed):
        s.workorder_mark_key(actor=world.supervisor, order=orders["a"].number, note="重点")
    response = Api(world.supervisor).post(f"/orders/{orders['a'].number}/mark_key", {"note": "x"})
    assert response.status_code == 403


def test_the_key_order_list_shows_marks_in_scope_newest_first(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    s.workorder_mark_key(actor=world.liaison, order=orders["a"].number, note="第一件")
    s.workorder_mark_key(actor=world.liaison, order=orders["heping"].number, note="第二件")
    rows = liaison.key_orders(user=world.liaison)
    assert [r["note"] for r in rows] == ["第二件", "第一件"]
    assert liaison.key_orders(user=world.supervisor) == []
    body = Api(world.liaison).get("/liaison/key-orders").json()
    assert [r["order"] for r in body] == [orders["heping"].number, orders["a"].number]
    assert body[0]["marked_by"] == "liaison" and body[0]["cases"] == []


# -- findings ------------------------------------------------------------------------------------


def test_findings_on_orders_outside_the_scope_never_show(
    world: World, orders: dict[str, WorkOrder], findings: list[dict[str, Any]]
) -> None:
    shown = liaison.liaison_findings(user=world.liaison)
    assert [f["order"] for f in shown] == [orders["a"].number]
    page = _page(world).get("/liaison/").content.decode()
    assert "住建局反复流转" in page
    assert "城管局推诿不办" not in page and orders["b"].number not in page
    assert "话务员长时间示忙" not in page
    body = Api(world.liaison).get("/liaison/findings").json()
    assert [f["order"] for f in body] == [orders["a"].number]


def test_orders_needing_attention_are_flagged_or_overdue_in_scope(
    world: World, orders: dict[str, WorkOrder], findings: list[dict[str, Any]]
) -> None:
    rows = liaison.attention_orders(user=world.liaison, findings=findings)
    assert [r["order"].number for r in rows] == [orders["a"].number]
    assert rows[0]["detectors"] == ["bounce"] and not rows[0]["overdue"]
    late = world.walk(world.create(), State.HANDLING)  # unit a's, no finding
    assert late.handle_deadline is not None
    with clock.frozen_at(late.handle_deadline + timedelta(days=1)):
        rows = liaison.attention_orders(user=world.liaison, findings=findings)
        page = _page(world).get("/liaison/").content.decode()
    assert [r["order"].number for r in rows] == [orders["a"].number, late.number]
    assert rows[1]["overdue"] and rows[1]["detectors"] == []
    assert late.number in page and orders["b"].number not in page


def test_a_liaison_cannot_read_the_inspectors_pages_or_api(
    world: World, findings: list[dict[str, Any]]
) -> None:
    page = _page(world)
    for path in ("/tianyan/", "/cases/", "/cases/new/", "/circulars/"):
        assert page.get(path).status_code == 404, path
    api = Api(world.liaison)
    assert api.get("/supervision/findings").status_code == 403
    assert api.get("/supervision/cases").status_code == 403


def test_the_workbench_is_the_liaisons_alone(world: World) -> None:
    assert _page(world).get("/liaison/").status_code == 200
    for user in (world.supervisor, world.agent, world.handler_a):
        assert force_login_verified(Client(), user).get("/liaison/").status_code == 404
    assert Api(world.supervisor).get("/liaison/key-orders").status_code == 403
    assert Api(world.agent).get("/liaison/cases").status_code == 403


def test_a_liaison_lands_on_the_workbench(world: World) -> None:
    response = _page(world).get("/")
    assert response.status_code == 302 and response["Location"].endswith("/liaison/")


# -- handing to a case ---------------------------------------------------------------------------


def test_handing_a_key_order_to_a_case_records_attach_order_by_the_liaison(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    case = _case(world, orders)
    s.workorder_mark_key(actor=world.liaison, order=orders["a"].number, note="重点")
    response = _page(world).post(
        "/liaison/",
        {"do": "hand", "order": orders["a"].number, "case": case.number, "note": "同类问题"},
        follow=True,
    )
    assert "已将工单" in response.content.decode()
    event = CaseEvent.objects.filter(case__number=case.number).order_by("seq").last()
    assert event is not None
    assert (event.action, event.actor, event.data) == (
        "attach_order",
        "liaison",
        {"order": orders["a"].number},
    )
    attached = CaseOrder.objects.get(case__number=case.number, order=orders["a"].number)
    assert attached.attached_by == "liaison" and attached.explanation == "同类问题"
    row = liaison.key_orders(user=world.liaison)[0]
    assert row["cases"] == [{"number": case.number, "title": "推诿扯皮"}]


def test_handing_over_twice_or_outside_the_scope_writes_nothing(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    case = _case(world, orders)
    liaison.order_hand_to_case(actor=world.liaison, order=orders["a"].number, case=case.number)
    version = SupervisionCase.objects.get(number=case.number).version
    with pytest.raises(liaison.AlreadyHanded):
        liaison.order_hand_to_case(actor=world.liaison, order=orders["a"].number, case=case.number)
    with pytest.raises(CaseError) as refused:
        liaison.order_hand_to_case(actor=world.liaison, order=orders["b"].number, case=case.number)
    assert refused.value.field == "order"
    with pytest.raises(CaseError):
        services.case_attach_order(actor=world.liaison, case=case, order=orders["b"].number)
    assert SupervisionCase.objects.get(number=case.number).version == version


def test_a_closed_case_takes_no_order(world: World, orders: dict[str, WorkOrder]) -> None:
    case = _case(world, orders)
    services.case_verify(actor=world.supervisor, case=case, confirmed=False, note="不属实")
    services.case_close(actor=world.supervisor, case=case, conclusion="不属实，办结")
    assert liaison.open_cases(user=world.liaison) == []
    with pytest.raises(CaseError) as refused:
        liaison.order_hand_to_case(actor=world.liaison, order=orders["a"].number, case=case.number)
    assert refused.value.field == "action"


def test_a_liaison_cannot_open_verify_assign_or_close_cases(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    case = _case(world, orders)
    with pytest.raises(NotAllowed):
        services.case_open(actor=world.liaison, title="自立线索")
    with pytest.raises(NotAllowed):
        services.case_verify(actor=world.liaison, case=case, confirmed=True, note="属实")
    with pytest.raises(NotAllowed):
        services.case_assign(actor=world.liaison, case=case, assignee="supervisor")
    with pytest.raises(NotAllowed):
        services.case_close(actor=world.liaison, case=case, conclusion="办结")
    assert SupervisionCase.objects.get(number=case.number).version == 1
    api = Api(world.liaison)
    assert api.post("/supervision/cases", {"title": "自立线索"}).status_code == 403
    step = api.post(f"/supervision/cases/{case.number}/close", {"conclusion": "办结"})
    assert step.status_code == 403
    assert _page(world).get(f"/cases/{case.number}/").status_code == 404


def test_the_liaison_api_hands_orders_to_open_cases(
    world: World, orders: dict[str, WorkOrder]
) -> None:
    case = _case(world, orders, title="重点工单专项")
    api = Api(world.liaison)
    assert api.get("/liaison/cases").json() == [{"number": case.number, "title": "重点工单专项"}]
    path = f"/liaison/cases/{case.number}/orders"
    handed = api.post(path, {"order": orders["heping"].number, "note": "街道层面推诿"})
    assert handed.status_code == 200, handed.content
    assert handed.json() == {
        "case": {"number": case.number, "title": "重点工单专项"},
        "order": orders["heping"].number,
    }
    assert api.post(path, {"order": orders["heping"].number}).status_code == 409
    assert api.post(path, {"order": orders["b"].number}).status_code == 404
    assert api.post("/liaison/cases/XS000/orders", {"order": orders["a"].number}).status_code == 404
    assert api.post(path, {"order": ""}).status_code == 422


def test_the_demo_liaison_marks_flagged_orders_of_the_scope_and_hands_one_to_a_case(
    world: World, orders: dict[str, WorkOrder], findings: list[dict[str, Any]]
) -> None:
    from hotline.demo.seed import key_orders_seed

    case = _case(world, orders)
    marked = key_orders_seed(findings=findings, users={"liaison": world.liaison})
    assert marked == 1  # of the two flagged orders, only unit a's is in scope
    mark = WorkOrderEvent.objects.get(action="mark_key")
    assert (mark.order.number, mark.actor) == (orders["a"].number, "liaison")
    assert CaseOrder.objects.get(case=case).order == orders["a"].number


def test_a_liaison_marks_from_the_order_page(world: World, orders: dict[str, WorkOrder]) -> None:
    order = orders["heping"]
    response = _page(world).post(
        f"/orders/{order.number}/mark_key/",
        {"expected_version": order.version, "note": "街道层面多次推诿"},
        follow=True,
    )
    assert response.status_code == 200
    event = WorkOrderEvent.objects.get(order=order, action="mark_key")
    assert (event.actor, event.data["note"]) == ("liaison", "街道层面多次推诿")
    outside = _page(world).post(f"/orders/{orders['b'].number}/mark_key/", {"note": "越权"})
    assert outside.status_code == 404


def test_the_admin_assigns_scopes_on_the_user_page(world: World) -> None:
    from hotline.accounts.admin import LiaisonScopeForm

    root = User.objects.create_superuser(username="root", password="x")
    admin = force_login_verified(Client(), root)
    page = admin.get(f"/admin/accounts/user/{world.liaison.pk}/change/")
    assert page.status_code == 200 and "联络员分管范围" in page.content.decode()
    assert LiaisonScopeForm({"area": "hepingli"}).is_valid()
    unknown = LiaisonScopeForm({"area": "nowhere"})
    assert not unknown.is_valid() and "nowhere" in str(unknown.errors["area"])
    both = LiaisonScopeForm({"unit": world.unit_a.pk, "area": "hepingli"})
    assert not both.is_valid()
    assert not LiaisonScopeForm({}).is_valid()
