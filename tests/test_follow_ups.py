"""回访 worklist and the overdue_follow_up finding: which closed orders are due, their time
limit on the working calendar, what recording a follow-up does, the page, and the detector."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from hotline import clock
from hotline.domain.follow_ups import follow_up_deadline, overdue_before
from hotline.domain.lifecycle import State
from hotline.domain.sla import WorkingCalendar
from hotline.reference.models import CalendarDay
from hotline.reference.selectors import working_calendar
from hotline.supervision.selectors import database_report
from hotline.workorders import services as s
from hotline.workorders.follow_ups import follow_up_worklist
from hotline.workorders.models import PersonalDataAccess, WorkOrder
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_cli import hotline, migrate

ZONE = ZoneInfo("Asia/Shanghai")
URL = "/worklist/follow-ups/"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)  # type: ignore[misc]


def closed_at(world: World, moment: datetime, **fields: str) -> WorkOrder:
    """An order unit a closed at ``moment`` (walked there with the clock frozen), with a reply."""
    with clock.frozen_at(moment - timedelta(hours=1)):
        order = world.walk(world.create(**fields), State.HANDLING)
        s.workorder_reply(actor=world.handler_a, order=order.number, text="已联系物业整改完毕")
    with clock.frozen_at(moment):
        s.workorder_request_close(actor=world.handler_a, order=order.number, result="噪音已消除")
        return s.workorder_approve_close(actor=world.dispatcher, order=order.number)


def numbers(work: dict | None) -> list[str]:
    assert work is not None
    return [row["number"] for row in work["rows"]]


def follow_up(world: World, order: WorkOrder, moment: datetime, reached: bool) -> WorkOrder:
    with clock.frozen_at(moment):
        return s.workorder_follow_up(
            actor=world.agent,
            order=order.number,
            reached=reached,
            resolved=True if reached else None,
            satisfied=True if reached else None,
        )


# -- the time limit on the working calendar ----------------------------------------------------


def test_the_limit_skips_weekends_and_holidays() -> None:
    calendar = WorkingCalendar()
    # Friday 6 March 2026: Monday and Tuesday are the two working days; due by Tuesday 24:00.
    assert follow_up_deadline(at(2026, 3, 6, 17, 30), calendar=calendar) == at(2026, 3, 11)
    # Friday 3 April 2026, before 清明 (4–6 April off): due by Wednesday 8 April 24:00.
    assert follow_up_deadline(at(2026, 4, 3, 9), calendar=calendar) == at(2026, 4, 9)
    # Closed on a Saturday: Monday and Tuesday.
    assert follow_up_deadline(at(2026, 3, 7, 23, 59), calendar=calendar) == at(2026, 3, 11)
    assert follow_up_deadline(at(2026, 3, 6), calendar=calendar, working_days=1) == at(2026, 3, 10)


def test_the_cut_off_agrees_with_every_deadline() -> None:
    calendar = WorkingCalendar()
    now = at(2026, 4, 9, 8)  # Thursday after 清明
    cutoff = overdue_before(now, calendar=calendar)
    assert cutoff == at(2026, 4, 7)  # closed on Tuesday 7 April or later: not yet overdue
    for hours in range(-24 * 12, 24 * 2):
        closed = cutoff + timedelta(hours=hours, minutes=30)
        if closed <= now:
            late = follow_up_deadline(closed, calendar=calendar) <= now
            assert late == (closed < cutoff), closed


def test_the_admins_calendar_days_move_the_deadline(world: World) -> None:
    order = closed_at(world, at(2026, 3, 6, 10))
    CalendarDay.objects.create(day=date(2026, 3, 9), is_working=False)  # a local day off
    with clock.frozen_at(at(2026, 3, 11, 9)):
        work = follow_up_worklist(user=world.agent)
    assert work is not None
    (row,) = work["rows"]
    assert row["number"] == order.number
    assert row["deadline"] == at(2026, 3, 12) and not row["overdue"]
    assert working_calendar().is_working_day(date(2026, 3, 9)) is False


# -- the worklist --------------------------------------------------------------------------------


def test_due_orders_oldest_deadline_first_with_the_reply_to_read_out(world: World) -> None:
    late = closed_at(world, at(2026, 3, 2, 10))  # Monday: due by Wednesday 24:00
    recent = closed_at(world, at(2026, 3, 5, 16))  # Thursday: due by Monday 24:00
    middle = closed_at(world, at(2026, 3, 4, 9))
    with clock.frozen_at(at(2026, 3, 4, 8)):
        direct = s.workorder_answer_directly(
            actor=world.agent, order=world.create().number, answer="已按政策答复"
        )
    open_order = world.walk(world.create(), State.HANDLING)
    with clock.frozen_at(at(2026, 3, 5, 18)):
        work = follow_up_worklist(user=world.agent)
    assert numbers(work) == [late.number, middle.number, recent.number]
    assert direct.number not in numbers(work) and open_order.number not in numbers(work)
    assert work is not None
    first = work["rows"][0]
    assert first["reply"] == "已联系物业整改完毕" and first["result"] == "噪音已消除"
    assert first["unit"] == world.unit_a.code and first["text"] == "楼下餐馆夜间噪音扰民"
    assert first["phone"] == "138****1234"
    assert first["deadline"] == at(2026, 3, 5) and first["overdue"]
    assert [row["overdue"] for row in work["rows"]] == [True, False, False]
    assert (work["total"], work["overdue"], work["may_record"]) == (3, 1, True)


def test_a_recorded_follow_up_leaves_the_list(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    follow_up(world, order, at(2026, 3, 3, 10), reached=True)
    with clock.frozen_at(at(2026, 3, 3, 11)):
        assert numbers(follow_up_worklist(user=world.agent)) == []


def test_an_unanswered_call_stays_on_the_list_until_the_third_try(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    for n in (1, 2):
        follow_up(world, order, at(2026, 3, 3, 9 + n), reached=False)
        with clock.frozen_at(at(2026, 3, 3, 12)):
            work = follow_up_worklist(user=world.agent)
        assert work is not None and numbers(work) == [order.number]
        assert work["rows"][0]["attempts"] == n
    follow_up(world, order, at(2026, 3, 3, 15), reached=False)
    with clock.frozen_at(at(2026, 3, 3, 16)):
        assert numbers(follow_up_worklist(user=world.agent)) == []


def test_a_reopened_order_counts_from_its_latest_closure(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    follow_up(world, order, at(2026, 3, 2, 11), reached=False)
    with clock.frozen_at(at(2026, 3, 2, 12)):
        s.workorder_reopen(actor=world.dispatcher, order=order.number, reason="市民再次来电")
    with clock.frozen_at(at(2026, 3, 9, 10)):
        s.workorder_request_close(actor=world.handler_a, order=order.number, result="已处理")
        s.workorder_approve_close(actor=world.dispatcher, order=order.number)
    with clock.frozen_at(at(2026, 3, 9, 11)):
        work = follow_up_worklist(user=world.agent)
    assert work is not None
    (row,) = work["rows"]
    assert row["deadline"] == at(2026, 3, 12) and row["attempts"] == 0
    assert row["result"] == "已处理"


def test_unit_staff_get_no_worklist(world: World) -> None:
    closed_at(world, at(2026, 3, 2, 10))
    assert follow_up_worklist(user=world.handler_a) is None
    assert follow_up_worklist(user=world.supervisor) is None


# -- the page ------------------------------------------------------------------------------------


def page(client: Client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_reads_the_reply_and_records_a_follow_up(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), world.agent)
    html = page(client)
    assert order.number in html and "已联系物业整改完毕" in html and "噪音已消除" in html
    assert "市住建局" in html and "138****1234" in html and "13812341234" not in html
    assert "逾期" in html and "2026-03-04 24:00" in html
    assert "<label>" in html and "<th" in html
    response = client.post(
        URL,
        {
            "number": order.number,
            "version": order.version,
            "reached": "yes",
            "resolved": "yes",
            "satisfied": "no",
            "note": "市民认为处理太慢",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.reached, order.resolved, order.satisfied) == (True, True, False)
    event = order.events.order_by("-seq").first()
    assert event is not None and event.actor == world.agent.username
    assert event.data["note"] == "市民认为处理太慢"
    html = page(client)
    assert "已登记工单" in html and f'id="follow-up-{order.number}"' not in html


def test_bad_input_is_a_message_and_writes_nothing(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), world.dispatcher)
    client.post(URL, {"number": order.number, "reached": ""})
    assert "请选择是否联系上市民" in page(client)
    client.post(URL, {"number": order.number, "reached": "yes"})
    assert "请选择问题是否解决" in page(client)
    client.post(URL, {"number": order.number, "reached": "maybe"})
    client.post(URL, {"number": order.number, "reached": "no", "note": "长" * 501})
    assert "说明最多 500 字" in page(client)
    client.post(URL, {"number": order.number, "reached": "no", "version": "1"})
    assert "刚被他人更新" in page(client)
    client.post(URL, {"number": "nope", "reached": "no"})
    assert "没有这张工单" in page(client)
    order.refresh_from_db()
    assert order.reached is None and not order.events.filter(action="follow_up").exists()


def test_an_unanswered_call_from_the_page_keeps_the_row(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), world.agent)
    client.post(URL, {"number": order.number, "version": order.version, "reached": "no"})
    html = page(client)
    assert f'id="follow-up-{order.number}"' in html and "已回访 1 次，未联系上" in html


def test_the_number_is_revealed_on_request_and_the_read_logged(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), world.agent)
    assert "13812341234" not in page(client)
    response = client.post(URL, {"reveal": order.number})
    assert response.status_code == 200
    assert 'href="tel:13812341234"' in response.content.decode()
    access = PersonalDataAccess.objects.get(order=order)
    assert access.user == world.agent and access.purpose == "回访"
    assert "13812341234" not in page(client)  # for that one response only


def test_the_director_reads_and_cannot_record(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), world.director)
    html = page(client)
    assert order.number in html and 'name="reached"' not in html and "查看完整号码" not in html
    client.post(URL, {"number": order.number, "reached": "no"})
    assert "只有话务员和派单员可以登记回访" in page(client)
    assert not order.events.filter(action="follow_up").exists()


@pytest.mark.parametrize("role", ["handler_a", "lead_a", "supervisor", "citizen", "liaison"])
def test_others_get_404(world: World, role: str) -> None:
    closed_at(world, at(2026, 3, 2, 10))
    client = force_login_verified(Client(), getattr(world, role))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"number": "x", "reached": "no"}).status_code == 404


# -- the finding ---------------------------------------------------------------------------------


def _findings(report: dict) -> dict[str, dict]:
    return {f["order"]: f for f in report["findings"] if f["detector"] == "overdue_follow_up"}


def test_the_finding_flags_late_and_missing_follow_ups_only(world: World) -> None:
    on_time = closed_at(world, at(2026, 3, 6, 10))  # Friday: due by Tuesday 10 March 24:00
    follow_up(world, on_time, at(2026, 3, 10, 23), reached=True)
    late = closed_at(world, at(2026, 3, 6, 11))
    follow_up(world, late, at(2026, 3, 11, 9), reached=True)
    never = closed_at(world, at(2026, 3, 6, 12))
    tried = closed_at(world, at(2026, 3, 6, 13))  # three calls in time, none reached: done
    for hour in (9, 10, 11):
        follow_up(world, tried, at(2026, 3, 9, hour), reached=False)
    once = closed_at(world, at(2026, 3, 6, 14))  # one unanswered call, then nothing
    follow_up(world, once, at(2026, 3, 9, 9), reached=False)
    not_yet = closed_at(world, at(2026, 3, 12, 10))  # due by Monday 16 March: not judged yet
    with clock.frozen_at(at(2026, 3, 2, 9)):
        direct = s.workorder_answer_directly(
            actor=world.agent, order=world.create().number, answer="已按政策答复"
        )
    report = database_report(as_of=datetime(2026, 3, 13, 12))
    found = _findings(report)
    assert set(found) == {late.number, never.number, once.number}
    assert not {on_time.number, tried.number, not_yet.number, direct.number} & set(found)
    assert found[late.number]["unit"] == world.center.code
    assert found[late.number]["severity"] == "medium" and found[never.number]["severity"] == "high"
    assert "超过时限 0.4 天才回访" in found[late.number]["explanation"]
    assert "至 2026-03-10 24:00" in found[late.number]["explanation"]
    assert "12345热线中心" in found[never.number]["explanation"]
    assert "市住建局" in found[never.number]["explanation"]
    # 回访 is the center's work: the handling unit's scorecard is not charged with it.
    cards = report["scorecard_counts"]["month"]
    assert all("overdue_follow_up" not in (row["findings"] or {}) for row in cards)


def test_a_closure_reopened_in_time_is_not_judged(world: World) -> None:
    order = closed_at(world, at(2026, 3, 2, 10))
    with clock.frozen_at(at(2026, 3, 3, 10)):
        s.workorder_reopen(actor=world.dispatcher, order=order.number, reason="市民再次来电")
    late_reopen = closed_at(world, at(2026, 3, 2, 11))
    with clock.frozen_at(at(2026, 3, 6, 10)):
        s.workorder_reopen(actor=world.dispatcher, order=late_reopen.number, reason="再次来电")
    found = _findings(database_report(as_of=datetime(2026, 3, 13, 12)))
    assert set(found) == {late_reopen.number}
    assert "直到重办都未回访" in found[late_reopen.number]["explanation"]


def test_hotline_supervise_json_includes_the_finding(world: World, tmp_path: Path) -> None:
    never = closed_at(world, at(2026, 3, 2, 10))
    with clock.frozen_at(at(2026, 3, 13, 12)):
        world.walk(world.create(), State.HANDLING)  # the log runs to 13 March
    from hotline.workorders.interchange import events_export

    export = tmp_path / "events.jsonl"
    events_export(export)
    db = tmp_path / "db.sqlite3"
    migrate(db, cwd=tmp_path)
    done = hotline("--db", str(db), "events", "import", str(export), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = hotline("--db", str(db), "supervise", "--json", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    (finding,) = [f for f in report["findings"] if f["detector"] == "overdue_follow_up"]
    assert finding["order"] == never.number and finding["unit"] == "center"
