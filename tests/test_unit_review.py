"""单位审核 (issue 15, item 1): a reviewing unit's handler submits return and closure requests to
the unit lead, who forwards them to the center or sends them back; the SLA clock runs while the
lead reviews; the ``unreviewed_request`` detector finds requests that reached the center without
the lead; the admin, the CLI, the API, the inbox and the order page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from hotline import clock
from hotline.accounts.models import Unit, UnitReviewSetting, User
from hotline.accounts.unit_review import unit_review_required
from hotline.cli import build_parser
from hotline.domain.lifecycle import GuardFailed, NotAllowed, State
from hotline.domain.supervision.engine import supervise
from hotline.domain.supervision.eventlog import load_interchange
from hotline.supervision.selectors import database_report
from hotline.workorders import services as s
from hotline.workorders.interchange import events_import
from hotline.workorders.models import WorkOrder
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def _handling(world: World) -> WorkOrder:
    order = world.walk(world.create(), State.HANDLING)
    world.review_on()
    return order


def _data(order: WorkOrder, action: str) -> dict[str, Any]:
    return order.events.filter(action=action).order_by("-seq").first().data  # type: ignore[union-attr]


# -- services ------------------------------------------------------------------------------------


def test_submission_goes_to_the_lead_then_on_to_the_center(world: World) -> None:
    order = _handling(world)
    submitted = s.workorder_submit_close(
        actor=world.handler_a, order=order.number, result="已维修路灯，已回复诉求人"
    )
    assert submitted.state == State.UNIT_CLOSE_REVIEW
    submit_seq = submitted.version
    # Only the lead forwards; the handler cannot skip ahead.
    with pytest.raises(NotAllowed, match="only the unit lead forwards"):
        s.workorder_request_close(actor=world.handler_a, order=order.number, result="x")
    forwarded = s.workorder_request_close(actor=world.lead_a, order=order.number)
    assert forwarded.state == State.CLOSE_REVIEW
    data = _data(forwarded, "request_close")
    assert data["submission"] == submit_seq and data["result"] == "已维修路灯，已回复诉求人"
    closed = s.workorder_approve_close(actor=world.dispatcher, order=order.number)
    assert closed.state == State.CLOSED


def test_the_lead_may_edit_what_it_forwards(world: World) -> None:
    order = world.walk(world.create(), State.UNIT_RETURN_REVIEW)
    forwarded = s.workorder_request_return(
        actor=world.lead_a, order=order.number, reason="经核实属城管职责"
    )
    data = _data(forwarded, "request_return")
    assert forwarded.state == State.RETURN_REVIEW
    assert data["reason"] == "经核实属城管职责" and data["basis"] == "三定方案"
    assert data["suggested_unit"] == world.unit_b.code and data["submission"] == 3


def test_the_lead_sends_a_submission_back_with_a_reason(world: World) -> None:
    order = world.walk(world.create(), State.UNIT_RETURN_REVIEW)  # submitted before accepting
    with pytest.raises(GuardFailed) as missing:
        s.workorder_send_back(actor=world.lead_a, order=order.number, reason=" ")
    assert missing.value.field == "reason"
    with pytest.raises(NotAllowed):
        s.workorder_send_back(actor=world.handler_a, order=order.number, reason="自己退回")
    back = s.workorder_send_back(
        actor=world.lead_a, order=order.number, reason="属本单位职责，请先联系诉求人"
    )
    assert back.state == State.HANDLING and back.accepted_at is not None
    assert _data(back, "send_back") == {"reason": "属本单位职责，请先联系诉求人"}
    again = s.workorder_submit_close(actor=world.handler_a, order=order.number, result="已解决")
    assert again.state == State.UNIT_CLOSE_REVIEW


def test_a_reviewing_units_handler_may_not_request_directly(world: World) -> None:
    order = _handling(world)
    with pytest.raises(NotAllowed, match="submit it to the unit lead"):
        s.workorder_request_close(actor=world.handler_a, order=order.number, result="已解决")
    with pytest.raises(NotAllowed, match="submit it to the unit lead"):
        s.workorder_request_return(
            actor=world.handler_a,
            order=order.number,
            reason="非本单位职责",
            basis="三定方案",
            suggested_unit=world.unit_b.code,
        )
    assert WorkOrder.objects.get(pk=order.pk).state == State.HANDLING


def test_the_leads_own_request_goes_straight_to_the_center(world: World) -> None:
    order = _handling(world)
    done = s.workorder_request_close(actor=world.lead_a, order=order.number, result="已解决")
    assert done.state == State.CLOSE_REVIEW
    assert "submission" not in _data(done, "request_close")


def test_with_review_off_again_the_handler_requests_directly(world: World) -> None:
    order = _handling(world)
    world.review_on(required=False)
    assert not unit_review_required(world.unit_a.code)
    with pytest.raises(GuardFailed):
        s.workorder_submit_close(actor=world.handler_a, order=order.number, result="已解决")
    done = s.workorder_request_close(actor=world.handler_a, order=order.number, result="已解决")
    assert done.state == State.CLOSE_REVIEW
    # The history keeps both switches.
    assert list(
        UnitReviewSetting.objects.filter(unit=world.unit_a).values_list("required", flat=True)
    ) == [True, False]


def test_time_with_the_lead_is_the_units_time(world: World) -> None:
    """The SLA clock does not stop for the unit's own review; it stops at the forward."""
    order = _handling(world)
    deadline = order.handle_deadline
    submitted = s.workorder_submit_close(actor=world.handler_a, order=order.number, result="好")
    assert submitted.paused_at is None and submitted.handle_deadline == deadline
    later = clock.now() + timedelta(hours=5)
    with clock.frozen_at(later):
        forwarded = s.workorder_request_close(actor=world.lead_a, order=order.number)
    assert forwarded.paused_at == later and forwarded.handle_deadline == deadline


# -- the detector on an event log -------------------------------------------------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday


def _event(order: str, seq: int, minutes: int, action: str, actor: str, unit: str, **data: Any):
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    to_unit = unit if action == "dispatch" else ""
    return {
        "order": order,
        "seq": seq,
        "at": at,
        "action": action,
        "actor": actor,
        "unit": "center" if action == "dispatch" else unit,
        "to_unit": to_unit,
        "data": data,
    }


def _order(order: str, unit: str, steps: list[tuple[int, str, str, dict[str, Any]]]) -> list:
    events = [
        _event(order, 1, 0, "create", "agent", "center", category="noise", text="噪音"),
        _event(order, 2, 10, "dispatch", "dispatcher", unit),
        _event(order, 3, 20, "accept", f"handler-{unit}", unit),
    ]
    for n, (minutes, action, actor, data) in enumerate(steps, 4):
        events.append(_event(order, n, minutes, action, actor, unit, **data))
    return events


def _log_file(tmp_path: Path) -> Path:
    h, lead = "handler-zhujian", "lead-zhujian"
    done = {"result": "已解决"}
    orders = [
        # Before review was switched on (10:00): not flagged.
        _order("A1", "zhujian", [(30, "request_close", h, done)]),
        # Straight to the center by the handler, and approved: flagged (high).
        _order("A2", "zhujian", [(120, "request_close", h, done), (180, "approve_close", "d", {})]),
        # Submitted, then forwarded by the lead: not flagged.
        _order(
            "A3",
            "zhujian",
            [
                (120, "submit_close", h, done),
                (180, "request_close", lead, {**done, "submission": 4}),
            ],
        ),
        # The lead's own request: not flagged.
        _order("A4", "zhujian", [(120, "request_close", lead, done)]),
        # A forged "submission" that names no submit step: flagged.
        _order("A5", "zhujian", [(120, "request_close", "imported", {**done, "submission": 2})]),
        # A unit that never reviews: not flagged.
        _order("A6", "chengguan", [(120, "request_close", "handler-chengguan", done)]),
        # lvhua reviewed 10:00-12:00 only: flagged at 11:00, not at 13:00.
        _order("A7", "lvhua", [(120, "request_return", "handler-lvhua", {"reason": "非本单位"})]),
        _order("A8", "lvhua", [(240, "request_close", "handler-lvhua", done)]),
    ]
    path = tmp_path / "log.jsonl"
    lines = [json.dumps(e, ensure_ascii=False) for events in orders for e in events]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_detector_finds_requests_that_skipped_the_leads_review(tmp_path: Path) -> None:
    review = T0 + timedelta(hours=1)
    report = supervise(
        load_interchange(_log_file(tmp_path)),
        unit_names={"zhujian": "市住建局", "lvhua": "市绿化市容局"},
        review_periods={
            "zhujian": [(review, None)],
            "lvhua": [(review, review + timedelta(hours=2))],
        },
        unit_leads={"zhujian": ["lead-zhujian"], "lvhua": ["lead-lvhua"]},
    )
    found = {f["order"]: f for f in report["findings"] if f["detector"] == "unreviewed_request"}
    assert sorted(found) == ["A2", "A5", "A7"]
    assert found["A2"]["severity"] == "high" and found["A2"]["evidence"] == [4]
    assert found["A2"]["explanation"] == (
        "市住建局 于 2026-03-02 11:00 向中心提出的办结申请未经单位负责人审核"
        "（该单位自 2026-03-02 10:00 起实行单位审核），且办结申请已被通过。"
    )
    assert found["A5"]["severity"] == "medium"
    assert "市绿化市容局" in found["A7"]["explanation"] and "退单" in found["A7"]["explanation"]
    assert report["summary"]["by_detector"]["unreviewed_request"] == 3


def test_without_review_settings_the_detector_finds_nothing(tmp_path: Path) -> None:
    report = supervise(load_interchange(_log_file(tmp_path)))
    assert "unreviewed_request" not in report["summary"]["by_detector"]


def test_the_database_report_reads_the_review_history_and_the_leads(world: World) -> None:
    """What `hotline supervise --json` writes: an imported request that skipped the lead."""
    with clock.frozen_at(clock.now() - timedelta(days=3)):
        world.review_on()
    # The reviewed path through the services: not a finding.
    order = world.walk(world.create(), State.UNIT_CLOSE_REVIEW)
    s.workorder_request_close(actor=world.lead_a, order=order.number)
    # Another system's log, imported: the handler went straight to the center.
    at = clock.now() - timedelta(days=1)
    lines = [
        _event("X1", 1, 0, "create", "agent", "center", category="noise", text="噪音"),
        _event("X1", 2, 10, "dispatch", "dispatcher", "zhujian"),
        _event("X1", 3, 20, "accept", "handler_a", "zhujian"),
        _event("X1", 4, 30, "request_close", "handler_a", "zhujian", result="已解决"),
    ]
    for n, line in enumerate(lines):
        line["at"] = (at + timedelta(minutes=10 * n)).isoformat()
    path = Path(clock.now().strftime("/tmp/unit-review-%H%M%S%f.jsonl"))
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in lines) + "\n")
    try:
        assert events_import(path).ok
    finally:
        path.unlink()
    report = database_report()
    found = [f for f in report["findings"] if f["detector"] == "unreviewed_request"]
    assert [f["order"] for f in found] == ["X1"]
    assert found[0]["unit"] == "zhujian" and found[0]["explanation"].startswith("市住建局 于 ")


# -- configuration: admin and CLI --------------------------------------------------------------


def test_admins_switch_review_in_the_admin(world: World) -> None:
    root = User.objects.create_superuser(username="root", password="x")
    client = force_login_verified(Client(), root)
    unit = Unit.objects.get(code="zhujian")
    response = client.post(
        "/admin/accounts/unit/",
        {"action": "review_on", "_selected_action": [unit.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert unit_review_required("zhujian")
    page = client.get(f"/admin/accounts/unit/{unit.pk}/change/").content.decode()
    assert "单位审核" in page and "root" in page  # the history row names who switched it
    client.post("/admin/accounts/unit/", {"action": "review_off", "_selected_action": [unit.pk]})
    assert not unit_review_required("zhujian")
    assert UnitReviewSetting.objects.filter(unit=unit).count() == 2


def test_the_cli_switches_and_shows_review(world: World, capsys: pytest.CaptureFixture) -> None:
    def run(*argv: str) -> int:
        args = build_parser().parse_args(list(argv))
        return int(args.func(args))

    assert run("units", "review", "zhujian", "--on", "--by", "ops") == 0
    assert unit_review_required("zhujian")
    out = capsys.readouterr().out
    assert "zhujian (市住建局): unit review on" in out and "by ops" in out
    assert run("units", "review") == 0
    assert "zhujian\treviews since" in capsys.readouterr().out
    assert run("units", "review", "zhujian", "--off") == 0
    assert not unit_review_required("zhujian")
    assert run("units", "review", "nosuchunit", "--on") == 2
    assert "no unit 'nosuchunit'" in capsys.readouterr().err


# -- API ---------------------------------------------------------------------------------------


def test_api_submit_then_forward_with_an_empty_body(world: World) -> None:
    order = world.walk(world.create(), State.DISPATCHED)
    world.review_on()
    handler, lead = Api(world.handler_a), Api(world.lead_a)
    refused = handler.post(f"/orders/{order.number}/request_return", {"reason": "x"})
    assert refused.status_code in (403, 409), refused.content
    body = {"reason": "非本单位职责", "basis": "三定方案", "suggested_unit": "chengguan"}
    submitted = handler.post(f"/orders/{order.number}/submit_return", body)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "unit_return_review"
    forwarded = lead.post(f"/orders/{order.number}/request_return", {})
    assert forwarded.status_code == 200, forwarded.content
    assert forwarded.json()["state"] == "return_review"
    step = forwarded.json()["timeline"][-1]
    assert step["action"] == "request_return" and step["data"]["submission"] == 3
    assert step["data"]["suggested_unit"] == "chengguan"


# -- web: the lead's inbox, the handler's submissions, the order page --------------------------


def test_the_leads_inbox_lists_what_waits_for_review(world: World) -> None:
    order = _handling(world)
    s.workorder_submit_close(actor=world.handler_a, order=order.number, result="路灯已修复")
    lead = force_login_verified(Client(), world.lead_a)
    page = lead.get("/inbox/").content.decode()
    assert "待本单位审核" in page and f'id="review-{order.number}"' in page
    assert "路灯已修复" in page and "办结报单位审核" in page
    # The order page: the banner, the forward form filled in, the send-back form.
    detail = lead.get(f"/orders/{order.number}/").content.decode()
    assert "已报单位负责人审核" in detail
    assert 'id="form-request_close"' in detail and 'id="form-send_back"' in detail
    assert ">路灯已修复</textarea>" in detail
    assert "审核同意，办结转报中心" in detail
    assert 'id="form-request_return"' not in detail


def test_the_handler_sees_what_became_of_a_submission(world: World) -> None:
    order = _handling(world)
    handler = force_login_verified(Client(), world.handler_a)
    detail = handler.get(f"/orders/{order.number}/").content.decode()
    assert 'id="form-submit_close"' in detail and 'id="form-request_close"' not in detail
    response = handler.post(
        f"/orders/{order.number}/submit_close/",
        {"expected_version": order.version, "result": "已清理"},
    )
    assert response.status_code == 302
    inbox = handler.get("/inbox/").content.decode()
    assert "我报单位审核的申请" in inbox and "待单位负责人审核" in inbox
    s.workorder_send_back(actor=world.lead_a, order=order.number, reason="请附现场照片")
    inbox = handler.get("/inbox/").content.decode()
    assert "已退回" in inbox and "请附现场照片" in inbox


def test_the_lead_forwards_and_sends_back_through_the_page(world: World) -> None:
    order = _handling(world)
    s.workorder_submit_close(actor=world.handler_a, order=order.number, result="已解决")
    lead = force_login_verified(Client(), world.lead_a)
    version = WorkOrder.objects.get(pk=order.pk).version
    empty = lead.post(f"/orders/{order.number}/send_back/", {"expected_version": version})
    assert empty.status_code == 422 and "理由" in empty.content.decode()
    sent = lead.post(
        f"/orders/{order.number}/send_back/",
        {"expected_version": version, "reason": "请补充诉求人意见"},
    )
    assert sent.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).state == State.HANDLING
    s.workorder_submit_close(actor=world.handler_a, order=order.number, result="已补充")
    version = WorkOrder.objects.get(pk=order.pk).version
    forwarded = lead.post(
        f"/orders/{order.number}/request_close/",
        {"expected_version": version, "result": "已补充"},
    )
    assert forwarded.status_code == 302
    assert WorkOrder.objects.get(pk=order.pk).state == State.CLOSE_REVIEW
