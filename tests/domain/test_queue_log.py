"""queue_log loading with hand-written fragments: every event type, disorder, truncation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.domain.callcenter import CallLog
from hotline.domain.callcenter.kpi import KpiOptions, kpi_report
from hotline.domain.callcenter.queue_log import KNOWN_EVENTS, load_queue_log

# 2026-03-02 09:00:00 in Beijing time.
T0 = int(datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "queue_log"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def load(tmp_path: Path, *lines: str) -> CallLog:
    return load_queue_log(write(tmp_path, *lines))


def line(offset: int, callid: str, agent: str, event: str, *data: object) -> str:
    return "|".join([str(T0 + offset), callid, "12345", agent, event, *map(str, data)])


def calls(log: CallLog) -> dict[str, dict[str, Any]]:
    return {row["call_id"]: row for row in log.rows("SELECT * FROM calls")}


def spans(log: CallLog, agent: str) -> list[tuple[str, str | None, int, int]]:
    return [
        (row["state"], row["reason"], _offset(row["started_at"]), _offset(row["ended_at"]))
        for row in log.rows(
            "SELECT * FROM agent_spans WHERE agent = ? ORDER BY started_at", [agent]
        )
    ]


def _offset(value: datetime) -> int:
    return int((value - datetime(2026, 3, 2, 9, 0)).total_seconds())


def test_answered_call_with_a_ring_no_answer(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "13800138000", 1),
        line(5, "c1", "SIP/8002", "RINGNOANSWER", 5000),
        line(12, "c1", "SIP/8001", "CONNECT", 12, "c1b", 3),
        line(107, "c1", "SIP/8001", "COMPLETECALLER", 12, 95, 1),
        line(200, "c2", "NONE", "ENTERQUEUE", "", "", 1),
        line(203, "c2", "SIP/8002", "CONNECT", 3, "c2b", 2),
        line(263, "c2", "SIP/8002", "COMPLETEAGENT", 3, 60, 1),
    )
    c1, c2 = calls(log)["c1"], calls(log)["c2"]
    assert c1["outcome"] == "answered"
    assert (c1["wait_seconds"], c1["talk_seconds"], c1["agent"]) == (12, 95, "SIP/8001")
    assert c1["caller"] == "13800138000"
    assert c1["ring_no_answer"] == 1
    assert _offset(c1["entered_at"]) == 0 and _offset(c1["answered_at"]) == 12
    assert _offset(c1["ended_at"]) == 107
    assert (c1["first_line"], c1["last_line"]) == (1, 4)
    assert (c2["talk_seconds"], c2["agent"]) == (60, "SIP/8002")
    assert log.report.malformed == 0 and log.report.valid_lines == 7


@pytest.mark.parametrize(
    ("event", "data", "wait"),
    [
        ("ABANDON", (1, 1, 40), 40),
        ("EXITWITHTIMEOUT", (1, 1, 300), 300),
        ("EXITWITHTIMEOUT", (1,), 55),  # Asterisk 1.4 writes no wait time: measured instead
        ("EXITEMPTY", (1, 1, 8), 8),
        ("EXITWITHKEY", (5, 1, 1, 22), 22),
    ],
)
def test_unanswered_endings(tmp_path: Path, event: str, data: tuple[int, ...], wait: int) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(55 if wait == 55 else wait, "c1", "NONE", event, *data),
    )
    call = calls(log)["c1"]
    assert (call["outcome"], call["exit_reason"], call["wait_seconds"]) == (
        "abandoned",
        event,
        wait,
    )
    assert call["agent"] is None and call["talk_seconds"] is None


@pytest.mark.parametrize("event", ["TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"])
def test_transfers_end_the_agents_talk(tmp_path: Path, event: str) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(9, "c1", "SIP/8001", "CONNECT", 9, "c1b", 2),
        line(99, "c1", "SIP/8001", event, "8100", "from-internal", 9, 90, 1),
    )
    call = calls(log)["c1"]
    assert (call["outcome"], call["wait_seconds"], call["talk_seconds"]) == ("answered", 9, 90)


def test_out_of_order_lines_give_the_same_call(tmp_path: Path) -> None:
    ordered = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(12, "c1", "SIP/8001", "CONNECT", 12, "c1b", 3),
        line(107, "c1", "SIP/8001", "COMPLETECALLER", 12, 95, 1),
    )
    (tmp_path / "b").mkdir()
    shuffled = load(
        tmp_path / "b",
        line(107, "c1", "SIP/8001", "COMPLETECALLER", 12, 95, 1),
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(12, "c1", "SIP/8001", "CONNECT", 12, "c1b", 3),
    )
    strip = ("first_line", "last_line")
    first = {k: v for k, v in calls(ordered)["c1"].items() if k not in strip}
    second = {k: v for k, v in calls(shuffled)["c1"].items() if k not in strip}
    assert first == second
    assert (ordered.report.out_of_order, shuffled.report.out_of_order) == (0, 2)


def test_a_call_without_enterqueue_is_timed_from_its_hold_time(tmp_path: Path) -> None:
    log = load(tmp_path, line(107, "c1", "SIP/8001", "COMPLETECALLER", 12, 95, 1))
    call = calls(log)["c1"]
    assert _offset(call["answered_at"]) == 12 and _offset(call["entered_at"]) == 0


def test_a_call_still_waiting_at_the_end_is_incomplete_not_offered(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(1, "c2", "NONE", "ENTERQUEUE", "", "", 1),
        line(31, "c2", "NONE", "ABANDON", 1, 1, 30),
    )
    assert calls(log)["c1"]["outcome"] == "incomplete"
    report = kpi_report(log)
    assert (report["offered"], report["abandoned"]) == (1, 1)
    assert report["not_offered"] == {"incomplete": 1}


def test_truncated_and_garbled_lines_are_reported_with_their_numbers(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        f"{T0 + 1}|c1|12345|SIP/8001",  # cut after four fields
        "",
        line(12, "c1", "SIP/8001", "CONNECT", 12, "c1b", 3),
        line(99, "c1", "SIP/8001", "COMPLETECALLER", 12),  # talk time missing
        line(99, "c1", "SIP/8001", "COMPLETECAL"),  # cut inside the event name
        "17724|c1|12345|SIP/8001|COMPLETECALLER|12|87|1",  # cut inside the time
        "yesterday|c1|12345|SIP/8001|COMPLETECALLER|12|87|1",
        line(100, "c1", "NONE", "ABANDON", 1, 1),
        line(101, "", "NONE", "ENTERQUEUE", "", "", 1),
        line(102, "NONE", "", "PAUSE", "x"),
        line(103, "c3", "SIP/8001", "CONNECT", "soon"),
        f"{T0 + 200}|c1|12345|SIP/8001|COMPLETECALLER|12|87",  # last line, no newline
    )
    bad = {m.line: m.problem for m in log.report.malformed_sample}
    assert sorted(bad) == [2, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "truncated: 4 field(s)" in bad[2]
    assert "needs the hold and talk times" in bad[5]
    assert 'unknown event "COMPLETECAL"' in bad[6]
    assert "neither a Unix time" in bad[7] and "neither a Unix time" in bad[8]
    assert "ABANDON needs the wait time" in bad[9]
    assert "without a call id" in bad[10]
    assert "without an agent" in bad[11]
    assert "CONNECT needs the hold time" in bad[12]
    assert log.report.malformed_sample[0].text == f"{T0 + 1}|c1|12345|SIP/8001"
    assert log.report.blank_lines == 1
    report = log.report
    assert report.lines == 13 == report.valid_lines + report.malformed + report.blank_lines
    call = calls(log)["c1"]
    assert (call["outcome"], call["talk_seconds"], call["last_line"]) == ("answered", 87, 13)


def test_date_time_stamps_are_read_as_local_time(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        "2026-03-02 09:00:00|c1|12345|NONE|ENTERQUEUE||138|1",
        "2026-03-02 09:00:30|c1|12345|NONE|ABANDON|1|1|30",
    )
    assert _offset(calls(log)["c1"]["entered_at"]) == 0


def test_ignored_events_are_counted_not_malformed(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "NONE", "NONE", "QUEUESTART", ""),
        line(1, "NONE", "NONE", "CONFIGRELOAD", ""),
        line(2, "NONE", "NONE", "CONFIGRELOAD", ""),
    )
    assert log.report.ignored_events == {"CONFIGRELOAD": 2, "QUEUESTART": 1}
    assert log.report.malformed == 0 and log.call_count() == 0


def test_agent_states_from_membership_and_pauses(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "NONE", "SIP/8001", "ADDMEMBER", ""),
        line(600, "NONE", "SIP/8001", "PAUSE", "午休"),
        line(2400, "NONE", "SIP/8001", "UNPAUSE", ""),
        line(3000, "NONE", "SIP/8001", "PAUSEALL", ""),
        line(3300, "NONE", "SIP/8001", "UNPAUSEALL", ""),
        line(3600, "NONE", "SIP/8001", "REMOVEMEMBER", ""),
        line(4000, "NONE", "SIP/8009", "ADDMEMBER", ""),  # someone else keeps the log going
    )
    assert spans(log, "SIP/8001") == [
        ("ready", None, 0, 600),
        ("paused", "午休", 600, 2400),
        ("ready", None, 2400, 3000),
        ("paused", "未注明", 3000, 3300),
        ("ready", None, 3300, 3600),
        ("logged_out", None, 3600, 4000),
    ]
    paused = log.rows("SELECT first_line, end_line FROM agent_spans WHERE reason = '午休'")
    assert paused == [{"first_line": 2, "end_line": 3}]


def test_leaving_one_of_two_queues_keeps_the_agent_logged_in(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        "|".join([str(T0), "NONE", "q1", "SIP/8001", "ADDMEMBER", ""]),
        "|".join([str(T0 + 10), "NONE", "q2", "SIP/8001", "ADDMEMBER", ""]),
        "|".join([str(T0 + 100), "NONE", "q1", "SIP/8001", "REMOVEMEMBER", ""]),
        "|".join([str(T0 + 200), "NONE", "q2", "SIP/8001", "REMOVEMEMBER", ""]),
        "|".join([str(T0 + 300), "NONE", "q2", "SIP/8009", "ADDMEMBER", ""]),
    )
    assert spans(log, "SIP/8001") == [("ready", None, 0, 200), ("logged_out", None, 200, 300)]


def test_chan_agent_logins_count_as_membership(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "NONE", "Agent/1001", "AGENTLOGIN", "SIP/8001-0001"),
        line(900, "NONE", "Agent/1001", "AGENTLOGOFF", "SIP/8001-0001", 900),
        line(1000, "NONE", "Agent/1001", "AGENTCALLBACKLOGIN", "8001@default"),
        line(1200, "NONE", "Agent/1001", "AGENTCALLBACKLOGOFF", "8001@default", 200, "Autologoff"),
        line(1500, "NONE", "SIP/8009", "ADDMEMBER", ""),
    )
    assert spans(log, "Agent/1001") == [
        ("ready", None, 0, 900),
        ("logged_out", None, 900, 1000),
        ("ready", None, 1000, 1200),
        ("logged_out", None, 1200, 1500),
    ]


def test_a_static_member_who_never_logs_in_counts_as_logged_in(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(5, "c1", "SIP/8001", "CONNECT", 5, "c1b", 1),
        line(65, "c1", "SIP/8001", "COMPLETECALLER", 5, 60, 1),
    )
    assert spans(log, "SIP/8001") == [("ready", None, 0, 65)]


def test_kpis_of_a_small_log(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(0, "NONE", "SIP/8001", "ADDMEMBER", ""),
        line(10, "c1", "NONE", "ENTERQUEUE", "", "", 1),
        line(20, "c1", "SIP/8001", "CONNECT", 10, "b", 1),
        line(120, "c1", "SIP/8001", "COMPLETECALLER", 10, 100, 1),
        line(130, "c2", "NONE", "ENTERQUEUE", "", "", 1),
        line(160, "c2", "SIP/8001", "CONNECT", 30, "b", 1),
        line(360, "c2", "SIP/8001", "COMPLETEAGENT", 30, 200, 1),
        line(400, "c3", "NONE", "ENTERQUEUE", "", "", 1),
        line(420, "c3", "NONE", "ABANDON", 1, 1, 20),
        line(1800, "NONE", "SIP/8001", "REMOVEMEMBER", ""),
    )
    report = kpi_report(log, KpiOptions(interval_minutes=15), order_call_ids={"c2", "zzz"})
    assert (report["offered"], report["answered"], report["abandoned"]) == (3, 2, 1)
    assert report["connect_rate"] == pytest.approx(2 / 3)
    assert report["answered_within_15s_rate"] == pytest.approx(1 / 2)
    assert report["abandonment_rate"] == pytest.approx(1 / 3)
    assert report["asa_seconds"] == pytest.approx(20.0)
    assert report["aht_seconds"] == pytest.approx(150.0)
    assert report["occupancy"] == pytest.approx(300 / 1800)
    assert report["acceptance"] == {"answered": 2, "with_order": 1, "acceptance_rate": 0.5}
    busy, quiet = report["intervals"]  # the agent stays logged in past the last call
    assert (busy["start"], quiet["start"]) == ("2026-03-02T09:00:00", "2026-03-02T09:15:00")
    assert busy["staffed_agents"] == pytest.approx(1.0) and busy["agents_needed"] >= 1
    assert (quiet["offered"], quiet["connect_rate"], quiet["agents_needed"]) == (0, None, 0)
    assert quiet["occupancy"] == 0.0
    (agent,) = report["agents"]
    assert (agent["answered"], agent["logged_in_seconds"], agent["talk_seconds"]) == (2, 1800, 300)
    assert report["days"][0]["key"] == "2026-03-02"


FIELD = st.text(alphabet="0123456789.|ABCDEFNOQUWX-: \t", max_size=12)
LINE = st.one_of(
    st.builds(
        lambda off, callid, agent, event, data: line(off, callid, agent, event, *data),
        st.integers(0, 5000),
        st.sampled_from(["c1", "c2", "NONE", ""]),
        st.sampled_from(["SIP/1", "SIP/2", "NONE", ""]),
        st.sampled_from([*KNOWN_EVENTS, "BOGUS"]),
        st.lists(st.one_of(st.integers(0, 500).map(str), FIELD), max_size=5),
    ),
    FIELD,
    st.just(""),
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(LINE, min_size=1, max_size=30))
def test_any_input_is_accounted_for_line_by_line(tmp_path: Path, lines: list[str]) -> None:
    log = load_queue_log(write(tmp_path, *lines))
    report = log.report
    assert report.lines == len(lines)
    assert report.valid_lines + report.malformed + report.blank_lines == report.lines
    assert all(1 <= bad.line <= len(lines) for bad in report.malformed_sample)
    outcomes = {row["outcome"] for row in log.rows("SELECT outcome FROM calls")}
    assert outcomes <= {"answered", "abandoned", "incomplete"}
    kpi_report(log)  # never fails on what loading accepted
