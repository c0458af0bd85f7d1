"""协办 and 改派 (issue 15, item 2): assisting units see the order as the lead unit does and write
their opinion (协办意见), which the lead unit reads before it replies; the dispatcher reassigns
(改派) an order no unit has signed for, and the handover metrics count it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from hotline import clock
from hotline.accounts.models import User
from hotline.domain.lifecycle import GuardFailed, IllegalTransition, NotAllowed, Role, State
from hotline.domain.supervision.engine import supervise
from hotline.domain.supervision.eventlog import load_interchange
from hotline.domain.supervision.handover import handover_metrics, order_handovers
from hotline.workorders import selectors
from hotline.workorders import services as s
from hotline.workorders.interchange import events_export, events_import
from hotline.workorders.models import WorkOrder
from tests.common.factories import UnitFactory, UserFactory
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
OPINION = "我局已派员现场核查，排污管道属我局养护范围，三日内疏通。"


def signed_in(user: User) -> Client:
    return force_login_verified(Client(), user)


def handler_c(world: World) -> User:
    """A handler of unit c (市绿化市容局), the assisting unit in these tests."""
    return UserFactory(username="handler_c", role=Role.HANDLER, unit=world.unit_c)


def assisted(world: World, state: State = State.DISPATCHED, **overrides: Any) -> WorkOrder:
    """An order led by unit a (市住建局) with unit c (市绿化市容局) assisting."""
    return world.walk(world.create(**overrides), state, assist=(world.unit_c,))


def page(client: Client, number: str) -> str:
    response = client.get(f"/orders/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, number: str, action: str, data: dict[str, Any]) -> Any:
    version = WorkOrder.objects.get(number=number).version
    return client.post(f"/orders/{number}/{action}/", {"expected_version": version, **data})


# -- who sees an assisted order ---------------------------------------------------------------


def test_assisting_staff_see_the_order_and_a_third_unit_does_not(world: World) -> None:
    helper = handler_c(world)
    order = assisted(world)
    assert selectors.workorder_get(user=helper, number=order.number) is not None
    assert selectors.workorder_get(user=world.handler_b, number=order.number) is None
    assert Api(world.handler_b).get(f"/orders/{order.number}").status_code == 404
    assert Api(helper).get(f"/orders/{order.number}").status_code == 200
    assert signed_in(world.handler_b).get(f"/orders/{order.number}/").status_code == 404
    assert signed_in(helper).get(f"/orders/{order.number}/").status_code == 200


def test_a_code_that_is_part_of_another_code_does_not_match(world: World) -> None:
    """assist_units is JSON: "lv" must not match an order assisted by "lvhua" (SQLite text and
    PostgreSQL jsonb alike), and "zhu_jian" (LIKE's wildcard) must not match "zhuajian"."""
    lv = UnitFactory(code="lv", name="市旅游局")
    wild = UnitFactory(code="zhu_jian", name="区住建局")
    UnitFactory(code="zhuxjian", name="区住建分局")
    order = assisted(world)
    lv_handler = UserFactory(username="handler_lv", role=Role.HANDLER, unit=lv)
    wild_handler = UserFactory(username="handler_wild", role=Role.HANDLER, unit=wild)
    s.workorder_dispatch(
        actor=world.dispatcher,
        order=world.create().number,
        to_unit="chengguan",
        assist=["zhuxjian"],
    )
    assert not selectors.restrict_orders(lv_handler).exists()
    assert not selectors.restrict_orders(wild_handler).exists()
    assert list(selectors.restrict_orders(handler_c(world))) == [order]


def test_assisting_unit_sees_the_order_masked_as_the_lead_unit_does(world: World) -> None:
    helper = handler_c(world)
    order = assisted(world)
    lead_view = Api(world.handler_a).get(f"/orders/{order.number}").json()
    helper_view = Api(helper).get(f"/orders/{order.number}").json()
    assert helper_view["caller"] == lead_view["caller"]
    assert helper_view["caller"]["phone"] not in ("", "13812341234")  # masked, not hidden

    report = assisted(world, kind="report")  # 举报: the caller is never shown to units
    shown = Api(helper).get(f"/orders/{report.number}").json()
    assert shown["caller"] == {"name": "", "phone": "", "address": ""}
    html = page(signed_in(helper), report.number)
    assert "13812341234" not in html and "138****1234" not in html and "张三丰" not in html
    assert Api(helper).get(f"/orders/{report.number}?unmask=true").status_code == 403


def test_assisting_staff_get_only_the_opinion_form(world: World) -> None:
    order = assisted(world, State.HANDLING)
    html = page(signed_in(handler_c(world)), order.number)
    assert 'id="form-assist_opinion"' in html
    assert 'id="form-reply"' not in html and 'id="form-request_close"' not in html


# -- 协办意见 ---------------------------------------------------------------------------------


def test_opinion_is_an_event_of_the_assisting_unit(world: World) -> None:
    order = assisted(world, State.HANDLING)
    s.workorder_assist_opinion(actor=handler_c(world), order=order.number, text=OPINION)
    event = order.events.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.unit, event.data["text"]) == ("assist_opinion", "lvhua", OPINION)
    order.refresh_from_db()
    assert order.state == State.HANDLING and order.current_unit == "zhujian"


def test_only_assisting_units_write_an_opinion(world: World) -> None:
    order = assisted(world, State.HANDLING)
    with pytest.raises(NotAllowed):
        s.workorder_assist_opinion(actor=world.handler_b, order=order.number, text=OPINION)
    with pytest.raises(NotAllowed):  # the lead unit answers, it does not assist itself
        s.workorder_assist_opinion(actor=world.handler_a, order=order.number, text=OPINION)
    with pytest.raises(GuardFailed) as empty:
        s.workorder_assist_opinion(actor=handler_c(world), order=order.number, text="  ")
    assert empty.value.field == "text"
    assert (
        Api(world.handler_b)
        .post(f"/orders/{order.number}/assist_opinion", {"text": OPINION})
        .status_code
        == 404
    )


def test_opinion_through_the_api(world: World) -> None:
    order = assisted(world, State.HANDLING)
    helper = Api(handler_c(world))
    response = helper.post(f"/orders/{order.number}/assist_opinion", {"text": OPINION})
    assert response.status_code == 200, response.content
    assert helper.post(f"/orders/{order.number}/assist_opinion", {}).status_code == 422
    assert order.events.filter(action="assist_opinion").count() == 1


def test_lead_unit_sees_who_has_answered_before_replying(world: World) -> None:
    order = assisted(world, State.HANDLING)
    lead = signed_in(world.handler_a)
    before = page(lead, order.number)
    assert 'data-part="assist-opinions"' in before and "市绿化市容局" in before
    assert "尚未反馈" in before
    assert 'data-part="assist-waiting"' in before  # on the reply and closure forms

    helper = signed_in(handler_c(world))
    assert post(helper, order.number, "assist_opinion", {"text": OPINION}).status_code == 302

    after = page(lead, order.number)
    panel = after.split('data-part="assist-opinions"')[1].split("</section>")[0]
    assert OPINION in panel and "已反馈" in panel and "尚未反馈" not in panel
    assert 'data-part="assist-waiting"' not in after
    # The warning does not block: the lead unit replies either way.
    assert post(lead, order.number, "reply", {"text": "已答复诉求人"}).status_code == 302


def test_orders_without_assisting_units_have_no_panel(world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    html = page(signed_in(world.handler_a), order.number)
    assert 'data-part="assist-opinions"' not in html and 'data-part="assist-waiting"' not in html


def test_inboxes_list_assisted_orders_and_new_opinions(world: World) -> None:
    order = assisted(world, State.HANDLING)
    helper = signed_in(handler_c(world))
    inbox = helper.get("/inbox/").content.decode()
    section = inbox.split('data-part="assisting"')[1]
    assert order.number in section
    assert order.number not in inbox.split('data-part="assisting"')[0]  # not the unit's own work

    lead = signed_in(world.handler_a)
    assert 'data-part="opinions-unread"' not in lead.get("/inbox/").content.decode()
    post(helper, order.number, "assist_opinion", {"text": OPINION})
    unread = lead.get("/inbox/").content.decode()
    assert order.number in unread.split('data-part="opinions-unread"')[1].split("</section>")[0]
    post(lead, order.number, "reply", {"text": "已答复诉求人"})
    assert 'data-part="opinions-unread"' not in lead.get("/inbox/").content.decode()


def test_unit_lists_still_filter_for_assisting_staff(world: World) -> None:
    order = assisted(world)
    world.walk(world.create(), State.DISPATCHED)  # unit a's alone
    helper = handler_c(world)
    listed = signed_in(helper).get("/orders/?state=dispatched").content.decode()
    assert order.number in listed
    assert Api(helper).get("/orders").json()["count"] == 1
    assert Api(helper).get("/orders?unit=zhujian").json()["count"] == 1


# -- 改派 -------------------------------------------------------------------------------------


def test_reassign_moves_unit_deadlines_and_first_unit(world: World) -> None:
    with clock.frozen_at(MONDAY):
        order = assisted(world)
    first = (order.accept_deadline, order.handle_deadline)
    with clock.frozen_at(MONDAY + timedelta(days=1)):
        order = s.workorder_reassign(
            actor=world.dispatcher,
            order=order.number,
            to_unit="chengguan",
            reason="职责在城管",
            assist=["lvhua"],
        )
    assert (order.current_unit, order.first_unit) == ("chengguan", "chengguan")  # 首接 moves
    assert order.state == State.DISPATCHED and order.assist_units == ["lvhua"]
    assert order.accept_deadline is not None and order.accept_deadline > first[0]
    assert order.handle_deadline is not None and order.handle_deadline > first[1]
    event = order.events.order_by("-seq").first()
    assert event is not None and event.action == "reassign" and event.to_unit == "chengguan"
    assert set(event.data) >= {"assist", "reason", "accept_deadline", "deadline"}
    assert selectors.workorder_get(user=world.handler_a, number=order.number) is None
    assert selectors.workorder_get(user=world.handler_b, number=order.number) is not None
    s.workorder_accept(actor=world.handler_b, order=order.number)


def test_reassign_after_a_return_keeps_the_first_unit(world: World) -> None:
    """首接负责制: once a unit has returned the order, the first unit stays who it was."""
    order = world.walk(world.create(), State.RETURN_REVIEW)
    s.workorder_approve_return(actor=world.dispatcher, order=order.number)
    s.workorder_dispatch(actor=world.dispatcher, order=order.number, to_unit="chengguan")
    order = s.workorder_reassign(
        actor=world.dispatcher, order=order.number, to_unit="lvhua", reason="改派绿化"
    )
    assert (order.current_unit, order.first_unit) == ("lvhua", "zhujian")


def test_reassign_is_refused_when_it_should_be(world: World) -> None:
    order = assisted(world)
    with pytest.raises(GuardFailed) as same:
        s.workorder_reassign(
            actor=world.dispatcher, order=order.number, to_unit="zhujian", reason="同一单位"
        )
    assert same.value.field == "to_unit"
    with pytest.raises(GuardFailed) as no_reason:
        s.workorder_reassign(
            actor=world.dispatcher, order=order.number, to_unit="chengguan", reason=" "
        )
    assert no_reason.value.field == "reason"
    with pytest.raises(GuardFailed) as center:
        s.workorder_reassign(
            actor=world.dispatcher, order=order.number, to_unit="center", reason="回中心"
        )
    assert center.value.field == "to_unit"
    with pytest.raises(NotAllowed):
        s.workorder_reassign(
            actor=world.handler_a, order=order.number, to_unit="chengguan", reason="不归我们"
        )
    s.workorder_accept(actor=world.handler_a, order=order.number)
    with pytest.raises(IllegalTransition):
        s.workorder_reassign(
            actor=world.dispatcher, order=order.number, to_unit="chengguan", reason="已签收"
        )
    order.refresh_from_db()
    assert order.current_unit == "zhujian" and order.events.filter(action="reassign").count() == 0


def test_reassign_through_the_api_and_the_order_page(world: World) -> None:
    order = assisted(world)
    api = Api(world.dispatcher)
    missing = api.post(f"/orders/{order.number}/reassign", {"to_unit": "chengguan"})
    assert missing.status_code == 422 and "reason" in missing.content.decode()
    same = api.post(f"/orders/{order.number}/reassign", {"to_unit": "zhujian", "reason": "x"})
    assert same.status_code == 422 and "to_unit" in same.content.decode()

    client = signed_in(world.dispatcher)
    html = page(client, order.number)
    assert 'id="form-reassign"' in html
    bad = post(client, order.number, "reassign", {"to_unit": "zhujian", "reason": "同一单位"})
    assert bad.status_code == 422
    done = post(
        client,
        order.number,
        "reassign",
        {"to_unit": "chengguan", "reason": "职责在城管", "assist": ["lvhua", "zhujian"]},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.current_unit == "chengguan" and order.assist_units == ["lvhua", "zhujian"]
    assert "改派" in page(client, order.number)


def test_dispatch_form_picks_assisting_units_by_name(world: World) -> None:
    order = world.create()
    client = signed_in(world.dispatcher)
    html = page(client, order.number)
    form = html.split('id="form-dispatch"')[1].split("</form>")[0]
    assert 'name="assist" multiple' in form and ">市绿化市容局</option>" in form
    response = post(
        client, order.number, "dispatch", {"to_unit": "zhujian", "assist": ["lvhua", "chengguan"]}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.assist_units == ["lvhua", "chengguan"]


def test_dispatch_queue_offers_reassign_for_orders_not_signed_for(world: World) -> None:
    with clock.frozen_at(MONDAY):
        late = assisted(world)
        fresh = world.create()
    with clock.frozen_at(MONDAY + timedelta(days=3)):
        world.walk(fresh, State.DISPATCHED)
        html = signed_in(world.dispatcher).get("/dispatch/").content.decode()
    section = html.split('data-part="reassign-due"')[1].split("</section>")[0]
    assert late.number in section and fresh.number not in section
    assert f"/orders/{late.number}/?act=reassign#form-reassign" in section
    with clock.frozen_at(MONDAY + timedelta(days=3)):
        opened = signed_in(world.dispatcher).get(f"/orders/{late.number}/?act=reassign")
    assert '<details class="action" open>\n      <summary>改派' in opened.content.decode()


# -- handover metrics and detectors -----------------------------------------------------------


def _log(tmp_path: Path) -> Any:
    path = tmp_path / "events.jsonl"
    events_export(path)
    return load_interchange(path)


def test_a_reassign_is_a_handover_and_back_again_is_aba(world: World, tmp_path: Path) -> None:
    once = assisted(world)
    s.workorder_reassign(
        actor=world.dispatcher, order=once.number, to_unit="chengguan", reason="职责在城管"
    )
    back = world.walk(world.create(), State.DISPATCHED)
    for unit in ("chengguan", "zhujian"):
        s.workorder_reassign(actor=world.dispatcher, order=back.number, to_unit=unit, reason="改派")
    log = _log(tmp_path)
    metrics = handover_metrics(log)
    assert metrics["handovers"] == 3 and metrics["cases_with_aba"] == 1
    assert metrics["revisits"] == 1 and metrics["cases_with_revisit"] == 1
    paths = {row["order"]: row["units"] for row in order_handovers(log)}
    assert paths == {
        once.number: ["zhujian", "chengguan"],
        back.number: ["zhujian", "chengguan", "zhujian"],
    }
    report = supervise(_log(tmp_path))
    bounced = [f for f in report["findings"] if f["detector"] == "bounce"]
    assert [(f["order"], f["unit"]) for f in bounced] == [(back.number, "zhujian")]


def test_assisting_units_are_never_charged(world: World, tmp_path: Path) -> None:
    with clock.frozen_at(MONDAY):
        order = assisted(world)
    with clock.frozen_at(MONDAY + timedelta(days=10)):
        s.workorder_urge(actor=world.dispatcher, order=order.number, note="请尽快签收")
    report = supervise(_log(tmp_path))
    units = {f["unit"] for f in report["findings"]}
    assert "zhujian" in units and "lvhua" not in units


def test_overdue_accept_ends_at_the_reassign(world: World, tmp_path: Path) -> None:
    """A unit that had the order only briefly is not late; one that sat on it past the 签收
    deadline is late until the 改派, and the new unit is measured from the 改派."""
    with clock.frozen_at(MONDAY):
        quick = assisted(world)
        slow = assisted(world)
    with clock.frozen_at(MONDAY + timedelta(hours=1)):
        s.workorder_reassign(
            actor=world.dispatcher, order=quick.number, to_unit="chengguan", reason="改派"
        )
    with clock.frozen_at(MONDAY + timedelta(days=2)):
        s.workorder_reassign(
            actor=world.dispatcher,
            order=slow.number,
            to_unit="chengguan",
            reason="超时未签收，改派",
        )
        s.workorder_accept(actor=world.handler_b, order=slow.number)
        s.workorder_accept(actor=world.handler_b, order=quick.number)
    report = supervise(_log(tmp_path))
    late = {
        (f["order"], f["unit"]): f for f in report["findings"] if f["detector"] == "overdue_accept"
    }
    assert set(late) == {(slow.number, "zhujian"), (quick.number, "chengguan")}
    # zhujian's wait ended at the 改派 (2 days after dispatch), not at the end of the log.
    assert late[(slow.number, "zhujian")]["minutes"] < 2 * 24 * 60


def test_scorecards_credit_the_accept_to_the_unit_that_signed(world: World, tmp_path: Path) -> None:
    order = assisted(world)
    s.workorder_reassign(
        actor=world.dispatcher, order=order.number, to_unit="chengguan", reason="改派"
    )
    s.workorder_accept(actor=world.handler_b, order=order.number)
    report = supervise(_log(tmp_path))
    rows = {row["unit"]: row for row in report["scorecard_counts"]["month"]}
    assert rows["chengguan"]["accepted"] == 1 and rows["chengguan"]["dispatches"] == 1
    assert rows["zhujian"]["accepted"] == 0 and rows["zhujian"]["dispatches"] == 1
    assert "lvhua" not in rows
    json.dumps(report, default=str)  # the report stays serialisable


def test_reassign_and_opinions_survive_export_and_import(world: World, tmp_path: Path) -> None:
    """The interchange format carries reassign and assist_opinion: an import replays them into
    the same rows (unit, 首接, 协办, deadlines) and the same hash chain."""
    from tests.test_interchange import _wipe

    order = assisted(world)
    s.workorder_reassign(
        actor=world.dispatcher,
        order=order.number,
        to_unit="chengguan",
        reason="职责在城管",
        assist=["lvhua"],
    )
    s.workorder_accept(actor=world.handler_b, order=order.number)
    s.workorder_assist_opinion(actor=handler_c(world), order=order.number, text=OPINION)
    first = tmp_path / "first.jsonl"
    events_export(first)
    before = {o.number: o.to_snapshot() for o in WorkOrder.objects.all()}
    _wipe()
    result = events_import(first)
    assert result.ok, result.errors
    assert {o.number: o.to_snapshot() for o in WorkOrder.objects.all()} == before
    second = tmp_path / "second.jsonl"
    events_export(second)
    assert first.read_bytes() == second.read_bytes()
