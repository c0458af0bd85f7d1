"""未接来电回拨: outbound calls in the CDR and queue_log, the callback counts, missed_callback."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hotline.domain import callcenter
from hotline.domain.callcenter.callbacks import (
    KEYS,
    PHONE_KEY_SQL,
    CallbackWindowError,
    callback_counts,
    missed_callbacks,
    parse_window,
    phone_key,
)
from hotline.domain.callcenter.kpi import KpiOptions, kpi_report
from hotline.domain.detectors import missed_callback

HEADER = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds,caller,direction"
# One day of a hand-written CDR; every abandoned call with a number is one case.
ROWS = [
    # a1: called back 30 min after the abandon (09:01), to the number written another way: reached.
    "a1,2026-03-02 09:00:00,true,60,abandoned,,,13800000001,in",
    "o1,2026-03-02 09:31:00,,,answered,A1,120,138 0000 0001,out",
    # a2: first callback not answered, the second is: called back, not reached (60 min).
    "a2,2026-03-02 10:00:00,true,0,abandoned,,,+86 138-0000-0002,",
    "o2a,2026-03-02 11:00:00,,,no_answer,A1,,13800000002,out",
    "o2b,2026-03-02 12:00:00,,,answered,A1,60,13800000002,out",
    # a3: the callback came after the 24 h window: not called back.
    "a3,2026-03-02 11:00:00,true,0,abandoned,,,13800000003,in",
    "o3,2026-03-03 11:30:00,,,answered,A2,30,13800000003,out",
    # a4: not called back, but the caller got through (another format of the number): called again.
    "a4,2026-03-02 12:00:00,true,0,abandoned,,,13800000004,in",
    "i4,2026-03-02 12:30:00,true,5,answered,A1,200,0086 13800000004,in",
    # a5, a5b: called in again but was not answered either: not called back, twice.
    "a5,2026-03-02 13:00:00,true,0,abandoned,,,13800000005,in",
    "a5b,2026-03-02 13:10:00,true,0,abandoned,,,13800000005,in",
    # a6, a6b: two abandons of one number, one busy callback inside both windows (90, 30 min).
    "a6,2026-03-02 14:00:00,true,0,abandoned,,,13800000006,in",
    "a6b,2026-03-02 15:00:00,true,0,abandoned,,,13800000006,in",
    "o6,2026-03-02 15:30:00,,,busy,A2,,13800000006,out",
    # Not counted: abandoned without a number; hung up in the IVR; a call out to someone else.
    "a7,2026-03-02 16:00:00,true,10,abandoned,,,,in",
    "v8,2026-03-02 16:30:00,false,,abandoned,,,13800000008,in",
    "o9,2026-03-02 17:00:00,,,answered,A2,40,13900000009,out",
]
EXPECTED = {
    "abandoned_with_number": 8,
    "called_back": 4,
    "called_back_reached": 1,
    "called_again": 1,
    "not_called_back": 3,
    "callback_rate": 4 / 7,
    "median_minutes_to_callback": 45.0,
}


@pytest.fixture
def cdr(tmp_path: Path) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n")
    return path


def test_every_callback_count_exactly(cdr: Path) -> None:
    report = kpi_report(callcenter.load(cdr))
    assert tuple(report["callbacks"]) == KEYS
    assert report["callbacks"] == pytest.approx(EXPECTED)
    assert report["callback_window_minutes"] == 24 * 60


def test_outbound_calls_are_never_offered_answered_or_abandoned(cdr: Path) -> None:
    log = callcenter.load(cdr)
    report = kpi_report(log)
    assert (report["offered"], report["answered"], report["abandoned"]) == (10, 1, 9)
    assert report["not_offered"] == {"ivr_only": 1}
    assert report["outbound"] == {"answered": 4, "busy": 1, "no_answer": 1}
    # No interval, day, queue or agent row holds an outbound call: o3 was the only call of 3 March.
    assert [day["key"] for day in report["days"]] == ["2026-03-02"]
    assert sum(row["answered"] for row in report["intervals"]) == 1
    assert [(a["agent"], a["answered"]) for a in report["agents"]] == [("A1", 1)]
    assert report["input"]["malformed"] == 0 and report["input"]["valid_lines"] == len(ROWS)


def test_the_window_changes_the_counts(cdr: Path) -> None:
    log = callcenter.load(cdr)
    wide = callback_counts(log, window_minutes=2 * 24 * 60)
    assert (wide["called_back"], wide["not_called_back"]) == (5, 2)  # a3's late callback counts
    narrow = callback_counts(log, window_minutes=45)
    # Within 45 min: a1 (30), a6b (30); a4 called again (30 min).
    assert (narrow["called_back"], narrow["called_again"], narrow["not_called_back"]) == (2, 1, 5)
    report = kpi_report(log, KpiOptions(callback_window_minutes=45))
    assert report["callbacks"] == narrow


def test_no_abandoned_call_with_a_number(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(HEADER + "\nc1,2026-03-02 09:00:00,true,3,answered,A1,60,138,in\n")
    counts = callback_counts(callcenter.load(path))
    assert counts["abandoned_with_number"] == 0
    assert counts["callback_rate"] is None and counts["median_minutes_to_callback"] is None


def test_missed_callback_lists_the_calls_whose_window_closed(cdr: Path) -> None:
    log = callcenter.load(cdr)
    # a5 and a5b's windows close after the log ends (o3, 3 March 11:30): still open.
    assert [m.call_id for m in missed_callbacks(log)] == ["a3"]
    assert [m.call_id for m in missed_callbacks(log, closed_only=False)] == ["a3", "a5", "a5b"]
    (finding,) = missed_callback.detect(log)
    assert finding.detector == "missed_callback" and finding.agent is None
    assert "a3" in finding.explanation and "138****0003" in finding.explanation
    assert "13800000003" not in finding.explanation
    assert "24 小时" in finding.explanation
    assert finding.evidence == (7,)  # a3's line in the file


def test_a_bad_direction_or_outcome_is_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        HEADER
        + "\nok,2026-03-02 09:00:00,true,3,answered,A1,60,138,in"
        + "\nb1,2026-03-02 09:00:00,,,answered,A1,60,138,sideways"
        + "\nb2,2026-03-02 09:00:00,,,abandoned,A1,,138,out"
        + "\nb3,2026-03-02 09:00:00,true,3,busy,A1,,138,in\n"
    )
    log = callcenter.load(path)
    bad = {(m.line, m.field) for m in log.report.malformed_sample}
    assert bad == {(3, "direction"), (4, "outcome"), (5, "outcome")}
    problems = " ".join(m.problem for m in log.report.malformed_sample)
    assert "sideways" in problems and "outbound" in problems and "inbound" in problems
    assert log.call_count() == 1


QUEUE_LOG = """\
1772413200|in1|q1|NONE|ENTERQUEUE||13800000001|1
1772413260|in1|q1|NONE|ABANDON|1|1|60
1772413300|in2|q1|NONE|ENTERQUEUE||13800000002|1
1772413310|in2|q1|Agent/1002|CONNECT|10|x|5
1772413400|in2|q1|Agent/1002|COMPLETECALLER|10|90|1
1772415000|out1|outq|Agent/1001|CALLOUTBOUND||138 0000 0001
1772415010|out1|outq|Agent/1001|CONNECT|10|x|10
1772415100|out1|outq|Agent/1001|COMPLETEAGENT|10|90|1
1772416000|out2|outq|Agent/1001|CALLOUTBOUND||13900000000
1772416030|out2|outq|Agent/1001|EXITWITHTIMEOUT|1|1|30
"""


def test_queue_log_outbound_calls(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(QUEUE_LOG)
    log = callcenter.load(path)
    report = kpi_report(log)
    assert (report["offered"], report["answered"], report["abandoned"]) == (2, 1, 1)
    assert report["outbound"] == {"answered": 1, "no_answer": 1}
    assert [(a["agent"], a["answered"]) for a in report["agents"]] == [("Agent/1002", 1)]
    back = report["callbacks"]
    assert (back["abandoned_with_number"], back["called_back"], back["called_back_reached"]) == (
        1,
        1,
        1,
    )
    assert back["median_minutes_to_callback"] == pytest.approx(29.0)  # 09:01 → 09:30
    outbound = log.rows("SELECT call_id, caller, agent, talk_seconds FROM outbound_calls")
    assert {row["call_id"]: row["agent"] for row in outbound} == {
        "out1": "Agent/1001",
        "out2": "Agent/1001",
    }
    assert report["input"]["malformed"] == 0


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("010-12345678", "1012345678"),
        ("+86 10 1234 5678", "1012345678"),
        ("", ""),
        ("anonymous", ""),
    ],
)
def test_numbers_match_however_written(number: str, key: str) -> None:
    assert phone_key(number) == key
    con = duckdb.connect()
    con.execute(PHONE_KEY_SQL)
    row = con.execute("SELECT phone_key(?)", [number]).fetchone()
    assert row is not None and (row[0] or "") == key


@pytest.mark.parametrize(
    ("text", "minutes"), [("24h", 1440), ("90m", 90), ("2d", 2880), ("6", 360)]
)
def test_callback_window(text: str, minutes: int) -> None:
    assert parse_window(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "-1h", "0m", "31d", "1e9h", "nanh"])
def test_a_bad_callback_window_is_named(text: str) -> None:
    with pytest.raises(CallbackWindowError, match="callback-window"):
        parse_window(text)
