"""未接来电回拨 through the database: import, the CLI's callbacks, the agents' worklist, the
callback service's refusals, the API, and the missed_callback finding."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from hotline import clock
from hotline.callcenter import services
from hotline.callcenter.models import AgentFinding, Call
from hotline.callcenter.selectors import callback_worklist, day_kpis
from hotline.domain.lifecycle import GuardFailed, NotAllowed
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api
from tests.test_cli import hotline

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds,caller,direction\n"
ROWS = [
    "a1,2026-03-02 09:00:00,true,60,abandoned,,,13800000001,in",  # called back, reached
    "o1,2026-03-02 09:31:00,,,answered,A1,120,138 0000 0001,out",
    "a2,2026-03-02 10:00:00,true,0,abandoned,,,13800000002,in",  # still to call back
    "a3,2026-03-02 11:00:00,true,0,abandoned,,,13800000003,in",  # tried once, no answer
    "o3,2026-03-02 11:10:00,,,no_answer,A1,,13800000003,out",
    "a4,2026-03-02 12:00:00,true,0,abandoned,,,13800000004,in",  # called again, answered
    "i4,2026-03-02 12:30:00,true,5,answered,A1,200,13800000004,in",
    "a5,2026-03-02 13:00:00,true,0,abandoned,,,,in",  # no number: nothing to call back
    "c6,2026-03-03 12:00:00,true,5,answered,A1,60,13900000000,in",  # the log ends on 3 March
]
NOON_3RD = datetime(2026, 3, 2, 12, 0, tzinfo=ZONE)  # a2's window is open until 3 March 10:00


@pytest.fixture
def cdr(tmp_path: Path) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    return path


@pytest.fixture
def imported(db: None, cdr: Path) -> None:
    services.calllog_import(path=cdr)


def page(client: Client) -> str:
    response = client.get("/worklist/callbacks/")
    assert response.status_code == 200
    return response.content.decode()


def test_import_stores_outbound_calls_apart_from_the_inbound_figures(
    world: World, imported: None
) -> None:
    assert Call.objects.filter(direction=Call.OUT).count() == 2
    out = Call.objects.get(call_id="o1")
    assert (out.caller_key, out.outcome, out.agent) == ("13800000001", "answered", "A1")
    day = day_kpis(user=world.director, day=datetime(2026, 3, 2).date())
    assert day is not None
    totals = day["totals"]
    assert (totals["offered"], totals["answered"], totals["abandoned"]) == (6, 1, 5)
    # The finding: a2 and a3 were not called back within 24 h (the log runs to 3 March 12:00).
    (finding,) = AgentFinding.objects.filter(detector="missed_callback")
    assert "a2" in finding.explanation and "a3" not in finding.explanation
    assert "138****0002" in finding.explanation and "13800000002" not in finding.explanation


def test_the_worklist_lists_the_calls_to_call_back_oldest_first(
    world: World, imported: None
) -> None:
    with clock.frozen_at(NOON_3RD):
        work = callback_worklist(user=world.agent)
    assert work is not None
    assert [row["call_id"] for row in work["rows"]] == ["a2", "a3"]
    a2, a3 = work["rows"]
    assert a2["number"] == "13800000002" and not a2["overdue"]
    assert a2["deadline"] == datetime(2026, 3, 3, 10, 0, tzinfo=ZONE)
    assert (a3["attempts"], a3["last_outcome"]) == (1, "no_answer")
    director = callback_worklist(user=world.director)
    assert director is not None and director["rows"][0]["number"] == "138****0002"
    assert not director["may_record"]
    assert callback_worklist(user=world.handler_a) is None


def test_an_agent_records_a_callback_from_the_page(world: World, imported: None) -> None:
    client = force_login_verified(Client(), world.agent)
    html = page(client)
    assert "13800000002" in html and "逾期" in html  # today is long after March 2026
    assert "<label>" in html and "<th" in html
    response = client.post(
        "/worklist/callbacks/", {"call_id": "a2", "outcome": "answered", "note": "已回复"}
    )
    assert response.status_code == 302
    callback = Call.objects.get(callback_of="a2")
    assert (callback.direction, callback.caller, callback.outcome) == (
        "out",
        "13800000002",
        "answered",
    )
    assert callback.agent == world.agent.username and callback.note == "已回复"
    assert callback.entered_at is not None and callback.source is None
    html = page(client)
    assert "已登记回拨" in html and "13800000002" not in html
    # A second record for the reached caller is refused, with a message, nothing written.
    client.post("/worklist/callbacks/", {"call_id": "a2", "outcome": "busy"})
    assert "已经回拨接通" in page(client)
    assert Call.objects.filter(callback_of="a2").count() == 1


def test_bad_input_on_the_page_is_a_message(world: World, imported: None) -> None:
    client = force_login_verified(Client(), world.dispatcher)
    client.post("/worklist/callbacks/", {"call_id": "nope", "outcome": "answered"})
    assert "没有这通未接来电" in page(client)
    client.post("/worklist/callbacks/", {"call_id": "a3", "outcome": "hung"})
    assert "请选择回拨结果" in page(client)
    assert not Call.objects.filter(callback_of__in=["nope", "a3"]).exists()


def test_the_director_reads_and_cannot_record(world: World, imported: None) -> None:
    client = force_login_verified(Client(), world.director)
    html = page(client)
    assert "138****0002" in html and "13800000002" not in html and 'name="outcome"' not in html
    client.post("/worklist/callbacks/", {"call_id": "a2", "outcome": "answered"})
    assert "只有话务员和派单员" in page(client)
    assert not Call.objects.filter(callback_of="a2").exists()


@pytest.mark.parametrize("role", ["handler_a", "supervisor", "citizen"])
def test_other_roles_do_not_find_the_page(world: World, role: str) -> None:
    client = force_login_verified(Client(), getattr(world, role))
    assert client.get("/worklist/callbacks/").status_code == 404


def test_the_service_refuses_by_name(world: World, imported: None) -> None:
    with pytest.raises(NotAllowed):
        services.callback_record(actor=world.director, call_id="a2", outcome="answered")
    with pytest.raises(services.CallNotFound):
        services.callback_record(actor=world.agent, call_id="i4", outcome="answered")
    with pytest.raises(services.CallNotFound):
        services.callback_record(actor=world.agent, call_id="a5", outcome="answered")
    with pytest.raises(GuardFailed) as bad:
        services.callback_record(actor=world.agent, call_id="a2", outcome="abandoned")
    assert bad.value.field == "outcome"
    with pytest.raises(services.AlreadyReached):
        services.callback_record(actor=world.agent, call_id="a1", outcome="answered")
    # A call not reached may be tried again.
    services.callback_record(actor=world.agent, call_id="a3", outcome="busy")
    services.callback_record(actor=world.agent, call_id="a3", outcome="answered")
    assert Call.objects.filter(callback_of="a3").count() == 2


def test_the_api_records_a_callback(world: World, imported: None) -> None:
    agent = Api(world.agent)
    response = agent.post("/callcenter/callbacks", {"call_id": "a2", "outcome": "no_answer"})
    assert response.status_code == 201, response.content
    assert response.json()["callback_of"] == "a2" and response.json()["outcome"] == "no_answer"
    assert (
        agent.post("/callcenter/callbacks", {"call_id": "x", "outcome": "busy"}).status_code == 404
    )
    bad = agent.post("/callcenter/callbacks", {"call_id": "a2", "outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "outcome"]
    reached = agent.post("/callcenter/callbacks", {"call_id": "a1", "outcome": "answered"})
    assert reached.status_code == 409
    director = Api(world.director)
    refused = director.post("/callcenter/callbacks", {"call_id": "a2", "outcome": "answered"})
    assert refused.status_code == 403


def test_callbacks_recorded_on_the_worklist_count_for_the_finding(
    world: World, cdr: Path, tmp_path: Path
) -> None:
    # The abandoned calls arrive in a first file; a2 is called back on the worklist; the next
    # file (the whole day and the next) then finds no call left without a callback (a3 was
    # tried by the switch). Without the worklist's record, a2 is a finding (the first test).
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "\n".join(ROWS[:3]) + "\n")
    services.calllog_import(path=first)
    services.callback_record(actor=world.agent, call_id="a2", outcome="no_answer")
    Call.objects.filter(callback_of="a2").update(
        entered_at=datetime(2026, 3, 2, 10, 30, tzinfo=ZONE)
    )
    services.calllog_import(path=cdr)
    assert not AgentFinding.objects.filter(detector="missed_callback").exists()


def test_cli_kpi_has_callbacks_and_refuses_a_bad_window(cdr: Path, tmp_path: Path) -> None:
    done = hotline(
        "--db", "k.sqlite3", "callcenter", "kpi", "--cdr", str(cdr), "--callback-window", "2d",
        "--json", "kpi.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "kpi.json").read_text())
    assert report["callbacks"] == {
        "abandoned_with_number": 4,
        "called_back": 2,
        "called_back_reached": 1,
        "called_again": 1,
        "not_called_back": 1,
        "callback_rate": pytest.approx(2 / 3),
        "median_minutes_to_callback": pytest.approx((30 + 10) / 2),
    }
    assert report["callback_window_minutes"] == 2 * 24 * 60
    assert report["offered"] == 7 and "missed_callback" in report["detectors_run"]
    bad = hotline(
        "--db", "k.sqlite3", "callcenter", "kpi", "--cdr", str(cdr), "--callback-window", "soon",
        "--json", "bad.json", cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "callback-window" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad.json").exists()


def test_cli_imports_queue_log_outbound_calls(db: None, tmp_path: Path) -> None:
    from tests.domain.test_callbacks import QUEUE_LOG

    path = tmp_path / "queue_log"
    path.write_text(QUEUE_LOG)
    services.calllog_import(path=path)
    assert sorted(Call.objects.filter(direction=Call.OUT).values_list("call_id", "outcome")) == [
        ("out1", "answered"),
        ("out2", "no_answer"),
    ]
    assert Call.objects.filter(direction=Call.IN).count() == 2
