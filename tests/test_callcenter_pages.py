"""话务 pages for the center's director (中心负责人): KPIs of a day and a period against the
GB/T 33358-2016 targets, agents' states, pauses and findings, and the Erlang C planner; who may
open them; what a person reads on them (names, percentages, local times, no raw values)."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.callcenter import selectors, services
from hotline.domain import callcenter, policy
from hotline.domain.callcenter.kpi import kpi_report
from hotline.domain.callcenter.simulate import simulate_queue_log
from hotline.domain.lifecycle import Role
from hotline.domain.policy import Area
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.test_api import Api

pytestmark = pytest.mark.django_db

CDR_HEADER = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds\n"
# 2 March 09:00–09:30: 4 offered, 3 answered (2 within 15 s), 1 abandoned; 10:00: 2 answered
# fast; 3 March: one call.
CDR_ROWS = [
    "c1,2026-03-02 09:01:00,true,5,answered,agent,60",
    "c2,2026-03-02 09:05:00,true,10,answered,agent,120",
    "c3,2026-03-02 09:10:00,true,30,answered,SIP/8002,180",
    "c4,2026-03-02 09:20:00,true,40,abandoned,,",
    "c5,2026-03-02 10:02:00,true,3,answered,agent,100",
    "c6,2026-03-02 10:12:00,true,4,answered,agent,100",
    "c7,2026-03-03 08:00:00,true,2,answered,agent,90",
]
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LONG_FLOAT = re.compile(r"\d\.\d{5,}")


def visible(response: Any) -> str:
    """The page's text as a person reads it: no scripts, no tags."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def client_for(user: object) -> Client:
    return force_login_verified(Client(), user)  # type: ignore[arg-type]


@pytest.fixture
def calls(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(CDR_HEADER + "\n".join(CDR_ROWS) + "\n")
    services.calllog_import(path=path)


@pytest.fixture
def agent_log(tmp_path: Path) -> None:
    out = io.StringIO()
    center = simulate_queue_log(out, start=date(2026, 3, 2), days=1, calls_per_day=300)
    path = tmp_path / "queue_log"
    path.write_text(out.getvalue())
    services.calllog_import(path=path, shifts=center.shifts)


# -- who --------------------------------------------------------------------------------------


def test_the_director_role_runs_the_call_center_and_takes_no_order_action() -> None:
    assert policy.HOME[Role.DIRECTOR] is Area.CALLCENTER
    assert policy.roles_for(area=Area.CALLCENTER) == {Role.DIRECTOR, Role.ADMIN, Role.SUPERVISOR}
    assert policy.audience_of(role=Role.DIRECTOR) is policy.Audience.CENTER
    assert not any(policy.may_take(role=Role.DIRECTOR, action=a) for a in policy.Action)


def test_the_director_lands_on_the_call_center_page(world: World) -> None:
    response = client_for(world.director).get("/")
    assert response.status_code == 302 and response.url == "/callcenter/"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", ["/callcenter/", "/callcenter/agents/", "/callcenter/planner/"])
def test_only_the_center_and_its_supervisors_open_the_pages(
    world: World, role: Role, page: str
) -> None:
    response = client_for(world.by_role(role)).get(page)
    allowed = policy.may_enter(role=role, area=Area.CALLCENTER)
    assert response.status_code == (200 if allowed else 404)


def test_a_visitor_is_sent_to_log_in(db: None) -> None:
    response = Client().get("/callcenter/")
    assert response.status_code == 302 and "/login/" in response.url


def test_the_director_reads_the_call_center_api(world: World, agent_log: None) -> None:
    answer = Api(world.director).get("/callcenter/findings")
    assert answer.status_code == 200 and answer.json()
    assert Api(world.dispatcher).get("/callcenter/findings").status_code == 403


# -- 话务指标 -----------------------------------------------------------------------------------


def test_a_day_per_interval_against_the_targets(world: World, calls: None) -> None:
    response = client_for(world.director).get("/callcenter/?day=2026-03-02")
    text = visible(response)
    assert "2026-03-02 分时段" in text
    totals = " ".join(text.split())
    # The day: 6 offered, 5 answered (83.3 %), 4 within 15 s (80.0 %), abandonment 16.7 %.
    for figure in ("83.3% ↓", "80.0%", "16.7%"):
        assert figure in totals, figure
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", response.content.decode(), re.S)
    nine = " ".join(visible_html(rows[0]).split())
    assert nine.startswith("09:00 4 3 1 75.0% ↓ 66.7% ↓ 25.0% 15 120")
    ten = " ".join(visible_html(rows[1]).split())
    assert ten.startswith("10:00 2 2 0 100.0% 100.0% 0.0% 4 100")
    assert 'class="overdue"' in rows[0] and 'class="overdue"' not in rows[1]
    assert not ISO_TIME.search(text) and not LONG_FLOAT.search(text)
    assert "answered" not in text and "abandoned" not in text


def test_the_pages_figures_are_the_kpi_reports(world: World, tmp_path: Path) -> None:
    """The database's figures and the DuckDB report of the same log agree: one definition."""
    path = tmp_path / "calls.csv"
    path.write_text(CDR_HEADER + "\n".join(CDR_ROWS) + "\n")
    services.calllog_import(path=path)
    report = kpi_report(callcenter.load(path, fmt="cdr"))
    page = selectors.day_kpis(user=world.director, day=date(2026, 3, 2))
    assert page is not None
    by_start = {row["start"].strftime("%Y-%m-%dT%H:%M"): row for row in page["rows"]}
    names = ["offered", "answered", "abandoned", "connect_rate", "answered_within_15s_rate"]
    names += ["abandonment_rate", "asa_seconds", "aht_seconds", "agents_needed"]
    compared = [row for row in report["intervals"] if row["start"].startswith("2026-03-02")]
    assert len(compared) == 2  # 09:00 and 10:00
    for interval in compared:
        mine = by_start[interval["start"][:16]]
        assert {n: mine[n] for n in names} == pytest.approx({n: interval[n] for n in names})
    (day,) = [d for d in report["days"] if d["key"] == "2026-03-02"]
    totals = names[:-1]
    assert {n: page["totals"][n] for n in totals} == pytest.approx({n: day[n] for n in totals})


def visible_html(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", fragment))


def test_a_period_per_day_and_a_quarter_hour_view(world: World, calls: None) -> None:
    client = client_for(world.director)
    response = client.get("/callcenter/?day=2026-03-02&since=2026-03-01&until=2026-03-03")
    text = " ".join(visible(response).split())
    assert "2026-03-01 至 2026-03-03 逐日" in text
    assert "2026-03-01 0 0 0 — — — — —" in text  # a quiet day is shown, with nothing to rate
    assert "2026-03-03 1 1 0 100.0% 100.0% 0.0% 2 90" in text
    # The period's totals: 7 offered, 6 answered; the mean wait and talk of all six calls.
    assert "7 来电量 85.7% ↓ 接通率" in text
    assert "9 平均应答（秒） 108 平均通话（秒）" in text
    quarter = " ".join(visible(client.get("/callcenter/?day=2026-03-02&interval=15")).split())
    assert "09:00 3 3 0" in quarter and "09:15 1 0 1" in quarter


def test_the_page_opens_on_the_last_day_with_calls(world: World, calls: None) -> None:
    text = visible(client_for(world.director).get("/callcenter/"))
    assert "2026-03-03 分时段" in text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("day=2026-13-40", "日期"),
        ("day=yesterday", "日期"),
        ("day=0001-01-01", "日期"),
        ("day=9999-12-31", "日期"),
        ("since=0001-01-01&until=0001-01-02", "期间自"),
        ("interval=7", "时段（分钟）"),
        ("since=2026-03-05&until=2026-03-01", "期间自"),
        ("since=2025-01-01&until=2026-03-01", "期间至"),
    ],
)
def test_a_bad_query_is_named_and_the_page_still_answers(
    world: World, calls: None, query: str, named: str
) -> None:
    response = client_for(world.director).get(f"/callcenter/?{query}")
    assert response.status_code == 200
    messages = " ".join(re.findall(r'<li class="error">(.*?)</li>', response.content.decode()))
    assert named in unescape(messages)


# -- 坐席 ---------------------------------------------------------------------------------------


def test_agents_states_pauses_and_findings_with_their_evidence(
    world: World, agent_log: None
) -> None:
    services.agent_state_set(agent="agent", state="paused", reason="小休 break")
    response = client_for(world.director).get("/callcenter/agents/?day=2026-03-02")
    assert response.status_code == 200
    text = " ".join(visible(response).split())
    assert "agent 示忙（小休 break）" in text  # the web-set state, by the agent's name
    assert "话务员长时间置忙" in text and "话务员脱岗" in text  # detectors by name
    assert "证据：该坐席在此期间的状态" in text and "日志行" in text
    assert "SIP/8001" in text  # an extension with no account keeps its id
    assert not ISO_TIME.search(text) and not LONG_FLOAT.search(text)
    for code in ("long_busy", "away_from_post", "logged_out", "paused", "ready"):
        assert code not in text, code


def test_an_agents_name_shows_where_an_account_exists(world: World, calls: None) -> None:
    world.agent.first_name = "话务员小王"
    world.agent.save()
    text = visible(client_for(world.director).get("/callcenter/agents/?day=2026-03-02"))
    assert "话务员小王" in text


# -- 排班: Erlang C ------------------------------------------------------------------------------

PUBLISHED = (
    "calls=100&aht_seconds=180&interval_minutes=30&target_seconds=20&service_level=80&shrinkage=30"
)


def test_the_planner_answers_the_published_case(world: World) -> None:
    response = client_for(world.director).get(f"/callcenter/planner/?{PUBLISHED}")
    result = re.search(r'data-part="result">(.*?)</div>\s*<p', response.content.decode(), re.S)
    assert result is not None
    figures = " ".join(visible_html(result.group(1)).split())
    # 10 Erlangs: 14 agents answer 88.8 % within 20 s (ASA 8 s); 14 / (1 − 30 %) = 20 seats.
    assert figures == (
        "14 在线坐席 20 排班人数 88.8% 预计服务水平 8 平均应答（秒） "
        "71.4% 占用率 10.0 话务量（爱尔兰）"
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("calls=abc", "calls"),
        ("calls=-5", "calls"),
        ("aht_seconds=0", "aht_seconds"),
        ("service_level=100", "service_level"),
        ("shrinkage=nan", "shrinkage"),
        ("interval_minutes=inf", "interval_minutes"),
    ],
)
def test_bad_planner_input_names_its_field(world: World, change: str, named: str) -> None:
    field, value = change.split("=")
    query = re.sub(rf"{field}=[^&]*", f"{field}={value}", PUBLISHED)
    response = client_for(world.director).get(f"/callcenter/planner/?{query}")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-part="result"' not in html
    assert re.search(rf'<ul class="errorlist" id="one_{named}_error">', html), html[-3000:]


def test_an_impossible_traffic_is_refused_by_name(world: World) -> None:
    query = PUBLISHED.replace("calls=100", "calls=1000000").replace(
        "aht_seconds=180", "aht_seconds=86400"
    )
    text = visible(client_for(world.director).get(f"/callcenter/planner/?{query}"))
    assert "每时段来电量：话务量超过" in text


def upload(client: Client, content: bytes, **fields: str) -> Any:
    data: dict[str, object] = {
        "interval_minutes": "30",
        "target_seconds": "15",
        "service_level": "80",
        "shrinkage": "30",
        "forecast": SimpleUploadedFile("forecast.csv", content, content_type="text/csv"),
        **fields,
    }
    return client.post("/callcenter/planner/", data)


def test_a_day_plan_from_an_uploaded_forecast(world: World) -> None:
    forecast = b"start,calls,aht_seconds\n08:00,100,180\n08:30,0,180\n2026-03-02T09:00,400,200\n"
    response = upload(client_for(world.director), forecast)
    html = response.content.decode()
    text = " ".join(visible(response).split())
    assert "08:00 100 180 10.0 14 20" in text
    assert "08:30 0 180 0.0 0 0" in text
    assert "2026-03-02 09:00 400" in text  # an ISO start is shown as a local time
    assert 'id="chart-plan"' in html and 'id="plan-data"' in html
    assert not ISO_TIME.search(text)


def test_the_forecast_may_leave_aht_to_the_form(world: World) -> None:
    response = upload(client_for(world.director), b"start,calls\n08:00,100\n", aht_seconds="180")
    assert "08:00 100 180 10.0 14 20" in " ".join(visible(response).split())


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"start,calls,aht_seconds\n08:00,100,180\n08:30,\xb0\xd7,180\n", "第 3 行"),
        (b"start,calls,aht_seconds\n08:00,100,180\n08:30,lots,180\n", "第 3 行，字段 calls"),
        (b"start,calls,aht_seconds\n08:00,100,-3\n", "第 2 行，字段 aht_seconds"),
        (b"start,calls,aht_seconds\n08:00,1e400,180\n", "第 2 行，字段 calls"),
        (b"start,calls,aht_seconds\n08:00,100,180,9\n", "第 2 行"),
        (b"begin,volume\n08:00,100\n", "start and calls"),
        (b"start,calls\n08:00,100\n", "aht_seconds"),
        (b"start,calls,aht_seconds\n", "no rows"),
        (b"start,calls,aht_seconds\n08:00,1000000,86400\n", "第 2 行，字段 calls：话务量超过"),
        (b"start,calls,aht_seconds\n" + b"08:00,1,60\n" * 30_000, "KB"),
    ],
)
def test_a_bad_forecast_is_a_message_naming_line_and_field(
    world: World, content: bytes, said: str
) -> None:
    response = upload(client_for(world.director), content)
    assert response.status_code == 200
    messages = re.findall(r'<li class="error">(.*?)</li>', response.content.decode())
    assert any(said in unescape(m) for m in messages), messages
    assert "/tmp" not in " ".join(messages)  # the scratch file is never named


def test_a_forecast_cannot_break_out_of_the_page(world: World) -> None:
    hostile = b"start,calls,aht_seconds\n</script><script>alert(1)</script>,10,60\n"
    html = upload(client_for(world.director), hostile).content.decode()
    assert "<script>alert(1)" not in html


def test_an_upload_without_a_file_names_the_field(world: World) -> None:
    response = client_for(world.director).post("/callcenter/planner/", {"interval_minutes": "30"})
    assert response.status_code == 200
    assert 'id="day_forecast_error"' in response.content.decode()
