"""The call-center app: importing logs into the database, 受理率, the CLI and the API."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from hotline.callcenter import services
from hotline.callcenter.models import AgentFinding, AgentStateSpan, Call, CallLogImport
from hotline.callcenter.selectors import order_call_ids
from hotline.domain import callcenter
from hotline.domain.callcenter.kpi import kpi_report
from hotline.domain.callcenter.simulate import simulate_queue_log
from hotline.domain.lifecycle import Role
from hotline.workorders import services as orders
from tests.common.world import World
from tests.test_api import Api
from tests.test_cli import hotline, migrate

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "callcenter"


@pytest.fixture(scope="module")
def center_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = io.StringIO()
    center = simulate_queue_log(out, start=date(2026, 3, 2), days=2, calls_per_day=800)
    path = tmp_path_factory.mktemp("cc") / "queue_log"
    path.write_text(out.getvalue())
    return path, center.shifts


def test_import_stores_calls_spans_and_findings_once(
    db: None, center_log: tuple[Path, list]
) -> None:
    path, shifts = center_log
    record = services.calllog_import(path=path, shifts=shifts, actor_name="tester")
    assert record.format == "queue_log" and record.malformed == 0
    assert record.calls_added == Call.objects.count() > 1000
    assert record.spans_added == AgentStateSpan.objects.count() > 100
    detectors = set(AgentFinding.objects.values_list("detector", flat=True))
    # The simulated center never calls back: its abandoned callers are missed_callback findings.
    assert detectors == {"long_busy", "away_from_post", "missed_callback"}
    busy = AgentFinding.objects.filter(detector="long_busy").first()
    assert busy is not None and "置忙" in busy.explanation and busy.evidence
    answered = Call.objects.filter(outcome="answered").first()
    assert answered is not None and answered.entered_at is not None
    assert answered.entered_at.tzinfo is not None

    with pytest.raises(services.AlreadyImported, match="already imported"):
        services.calllog_import(path=path)
    assert CallLogImport.objects.count() == 1


def test_overlapping_files_keep_the_calls_already_known(db: None, tmp_path: Path) -> None:
    header = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds\n"
    first = tmp_path / "a.csv"
    first.write_text(header + "c1,2026-03-02 09:00:00,true,3,answered,A1,60\n")
    second = tmp_path / "b.csv"
    second.write_text(
        header
        + "c1,2026-03-02 09:00:00,true,3,answered,A1,60\n"
        + "c2,2026-03-02 09:01:00,true,30,abandoned,,\n"
    )
    services.calllog_import(path=first)
    record = services.calllog_import(path=second)
    assert (record.calls_added, record.calls_already_known) == (1, 1)
    assert Call.objects.count() == 2


def test_a_failed_import_leaves_nothing_behind(
    db: None, center_log: tuple[Path, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_store_spans", broken)
    with pytest.raises(RuntimeError):
        services.calllog_import(path=center_log[0])
    assert (CallLogImport.objects.count(), Call.objects.count()) == (0, 0)


def test_acceptance_rate_joins_calls_to_the_orders_taken_from_them(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "cdr.csv"
    path.write_text(
        "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds\n"
        "c1,2026-03-02 09:00:00,true,3,answered,A1,60\n"
        "c2,2026-03-02 09:01:00,true,5,answered,A1,90\n"
        "c3,2026-03-02 09:02:00,true,30,abandoned,,\n"
    )
    orders.workorder_create(
        actor=world.agent, channel="phone", kind="complaint", category="noise",
        text="夜间施工噪音", call_id="c2",
    )  # fmt: skip
    assert order_call_ids() == {"c2"}
    report = kpi_report(callcenter.load(path), order_call_ids=order_call_ids())
    assert report["acceptance"] == {"answered": 2, "with_order": 1, "acceptance_rate": 0.5}


def test_the_api_takes_the_call_id_of_a_new_order(world: World) -> None:
    body = {"kind": "complaint", "category": "noise", "text": "噪音", "call_id": "1772.55"}
    created = Api(world.agent).post("/orders", body)
    assert created.status_code == 201, created.content
    assert created.json()["call_id"] == "1772.55"
    assert order_call_ids() == {"1772.55"}


def test_findings_api_is_for_supervisors_only(world: World, tmp_path: Path) -> None:
    path = tmp_path / "q.log"
    out = io.StringIO()
    simulate_queue_log(out, start=date(2026, 3, 2), days=1, calls_per_day=300)
    path.write_text(out.getvalue())
    services.calllog_import(path=path)
    for role in (Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.CITIZEN):
        assert Api(world.by_role(role)).get("/callcenter/findings").status_code == 403
    answer = Api(world.supervisor).get("/callcenter/findings?detector=long_busy")
    assert answer.status_code == 200
    (finding,) = answer.json()
    assert finding["detector"] == "long_busy" and finding["source"] == str(path)
    imports = Api(world.admin).get("/callcenter/imports").json()
    assert imports[0]["calls_added"] > 0


# -- the command line ---------------------------------------------------------------------------


def test_cli_kpi_writes_the_report(tmp_path: Path) -> None:
    done = hotline(
        "callcenter", "simulate", "--out", "q.log", "--shifts-out", "shifts.csv",
        "--truth-out", "truth.json", "--days", "2", "--calls-per-day", "600", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = hotline(
        "--db", "k.sqlite3", "callcenter", "kpi", "--queue-log", "q.log", "--interval", "1h",
        "--shifts", "shifts.csv", "--json", "kpi.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "kpi.json").read_text())
    for key in (
        "offered", "answered", "abandoned", "connect_rate", "answered_within_15s_rate",
        "abandonment_rate", "asa_seconds", "intervals", "agents", "days", "definitions",
    ):  # fmt: skip
        assert key in report
    assert report["offered"] == report["answered"] + report["abandoned"] > 0
    # Two days of calls, and the night shift logged in until 07:00 of the third.
    assert len(report["intervals"]) == 48 + 8 and report["interval_minutes"] == 60
    assert "agents_needed" in report["intervals"][10]
    truth = json.loads((tmp_path / "truth.json").read_text())
    found = {
        (f["detector"], f["agent"], f["day"])
        for f in report["findings"]
        if f["detector"] != "missed_callback"  # the simulation never calls back: not planted
    }
    assert found == {(t["detector"], t["agent"], t["day"]) for t in truth}
    assert "15秒接通率" in done.stdout


def test_cli_staff_answers_the_published_case(tmp_path: Path) -> None:
    done = hotline(
        "callcenter", "staff", "--calls", "100", "--interval-minutes", "30", "--aht-seconds",
        "180", "--target-seconds", "20", "--service-level", "0.8", "--shrinkage", "0.3",
        "--json", "staff.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "staff.json").read_text())
    assert (plan["agents"], plan["positions"]) == (14, 20)
    assert round(plan["service_level"], 4) == 0.8884
    assert round(plan["asa_seconds"], 2) == 7.84
    for key in ("occupancy", "waiting_probability"):
        assert key in plan


def test_cli_staff_plans_a_day_from_a_forecast(tmp_path: Path) -> None:
    (tmp_path / "forecast.csv").write_text(
        "start,calls,aht_seconds\n08:00,100,180\n08:30,0,180\n09:00,400,200\n"
    )
    done = hotline(
        "callcenter", "staff", "--plan", "forecast.csv", "--interval-minutes", "30",
        "--shrinkage", "0.3", "--json", "plan.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [row["agents"] for row in plan["intervals"]][:2] == [14, 0]
    assert plan["peak_positions"] == plan["intervals"][2]["positions"]
    assert plan["position_hours"] == sum(row["positions"] for row in plan["intervals"]) / 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("kpi", "--cdr", "missing.csv", "--json", "o.json"), "missing.csv: no such file"),
        (("kpi", "--cdr", "bad.csv", "--json", "o.json"), "CDR column(s) missing: outcome"),
        (("kpi", "--cdr", "bad.csv", "--interval", "7m", "--json", "o.json"), "interval"),
        (("kpi", "--cdr", "bad.csv", "--service-level", "1.5", "--json", "o.json"),
         "service_level must be between 0 and 1"),
        (("staff", "--calls", "10", "--interval-minutes", "30", "--aht-seconds", "0",
          "--json", "o.json"), "aht_seconds must be positive"),
        (("staff", "--plan", "bad.csv", "--interval-minutes", "30", "--aht-seconds", "60",
          "--json", "o.json"), "needs the columns start and calls"),
        (("staff", "--calls", "10", "--interval-minutes", "30", "--json", "o.json"),
         "--aht-seconds is required"),
    ],
)  # fmt: skip
def test_cli_bad_input_is_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "bad.csv").write_text("call_id,started_at\nc1,2026-03-02 09:00:00\n")
    done = hotline("--db", "e.sqlite3", "callcenter", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert not (tmp_path / "o.json").exists()


def test_cli_import_of_an_unknown_format_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    migrate("e.sqlite3", cwd=tmp_path)  # import stores calls: it needs a migrated database
    done = hotline("--db", "e.sqlite3", "callcenter", "import", "notes.txt", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot tell the format" in done.stderr


def test_cli_import_reports_malformed_lines_and_refuses_a_second_run(tmp_path: Path) -> None:
    (tmp_path / "q.log").write_text(
        "1772413200|c1|12345|NONE|ENTERQUEUE||138|1\n"
        "1772413230|c1|12345|NONE|ABAND\n"
        "1772413240|c1|12345|NONE|ABANDON|1|1|40\n"
    )
    migrate("i.sqlite3", cwd=tmp_path)
    first = hotline("--db", "i.sqlite3", "callcenter", "import", "q.log", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "q.log:2: event: unknown event" in first.stderr
    assert "1 new calls" in first.stdout and "1 malformed lines" in first.stdout
    again = hotline("--db", "i.sqlite3", "callcenter", "import", "q.log", cwd=tmp_path)
    assert again.returncode == 2 and "already imported" in again.stderr


def test_cli_import_of_a_missing_file_names_it(tmp_path: Path) -> None:
    migrate("m.sqlite3", cwd=tmp_path)
    done = hotline("--db", "m.sqlite3", "callcenter", "import", "nope.log", cwd=tmp_path)
    assert done.returncode == 2 and "nope.log: no such file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not (SHARED / "august_calls.csv").is_file(), reason="shared data absent")
def test_real_bank_call_center_kpis(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_august_calls import convert  # type: ignore[import-not-found]

    cdr = tmp_path / "august.csv"
    assert convert(SHARED / "august_calls.csv", cdr) == 42078
    report = kpi_report(callcenter.load(cdr))
    assert (report["offered"], report["answered"], report["abandoned"]) == (38662, 31402, 7260)
    assert report["not_offered"] == {"ivr_only": 3106, "other": 310}
    assert len(report["days"]) == 31 and len(report["agents"]) == 32
    assert report["input"]["malformed"] == 0
