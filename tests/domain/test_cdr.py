"""The plain CDR CSV: good rows become calls, bad rows are named by line, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.domain import callcenter
from hotline.domain.callcenter.cdr import CallLogInputError, load_cdr
from hotline.domain.callcenter.kpi import kpi_report

HEADER = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "cdr.csv"
    path.write_text(header + body)
    return path


def test_rows_become_calls_and_kpis(tmp_path: Path) -> None:
    log = load_cdr(
        write(
            tmp_path,
            "c1,2026-03-02 09:00:05,true,4,answered,A1,120\n"
            "c2,2026-03-02 09:01:00,true,40,abandoned,,\n"
            "c3,2026-03-02 09:02:00,false,,ivr_only,,\n"
            "c4,2026-03-02T01:03:00+00:00,true,20,answered,A2,300\n"
            "c5,2026-03-02 09:04:00,false,,abandoned,,\n"
            "c6,2026-03-02 09:05:00,true,1,other,,\n",
        )
    )
    report = kpi_report(log)
    assert (report["offered"], report["answered"], report["abandoned"]) == (3, 2, 1)
    assert report["not_offered"] == {"ivr_only": 2, "other": 1}
    assert report["asa_seconds"] == pytest.approx(12.0)
    assert report["answered_within_15s_rate"] == pytest.approx(0.5)
    c4 = log.rows("SELECT entered_at FROM calls WHERE call_id = 'c4'")[0]["entered_at"]
    assert c4.hour == 9  # UTC offset converted to Beijing time
    assert log.report.valid_lines == 6 and log.report.malformed == 0


def test_bad_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    log = load_cdr(
        write(
            tmp_path,
            "c1,2026-03-02 09:00:05,true,4,answered,A1,120\n"
            "c1,2026-03-02 09:00:05,true,4,answered,A1,120\n"
            "c2,yesterday,true,4,answered,A1,120\n"
            "c3,2026-03-02 09:00:05,true,-4,answered,A1,120\n"
            "c4,2026-03-02 09:00:05,true,4,hung_up,A1,120\n"
            "c5,2026-03-02 09:00:05,true,4,answered,,120\n"
            "c6,2026-03-02 09:00:05,maybe,4,answered,A1,120\n"
            "c7,2026-03-02 09:00:05,true,,abandoned,,\n"
            "c8,2026-03-02 09:00:05,true,4,answered,A1,120,extra\n"
            ",,,,,,\n",
        )
    )
    problems = {bad.line: bad.problem for bad in log.report.malformed_sample}
    assert sorted(problems) == [3, 4, 5, 6, 8, 9, 10]
    assert "duplicate call_id 'c1' (first on line 2)" in problems[3]
    assert "not an ISO date-time" in problems[4]
    assert "negative" in problems[5]
    assert "outcome 'hung_up'" in problems[6]
    assert "queued 'maybe'" in problems[8]
    assert "wait_seconds is empty" in problems[9]
    assert "8 fields, the header has 7" in problems[10]
    assert log.report.blank_lines == 1
    # An answered call with no agent is kept (接通率 stays true) and listed as a warning.
    assert [(w.line, w.field) for w in log.report.warnings_sample] == [(7, "agent")]
    assert log.call_count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("call_id,started_at\nc1,2026-03-02 09:00:00\n", r"column\(s\) missing: outcome"),
    ],
)
def test_unreadable_files_are_refused_with_one_clear_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "cdr.csv"
    path.write_text(content)
    with pytest.raises(CallLogInputError, match=message):
        callcenter.load(path, fmt="cdr")


def test_format_is_detected_or_refused(tmp_path: Path) -> None:
    cdr = write(tmp_path, "c1,2026-03-02 09:00:05,true,4,answered,A1,120\n")
    assert callcenter.detect_format(cdr) == "cdr"
    log = tmp_path / "queue_log"
    log.write_text("1772413200|c1|12345|NONE|ENTERQUEUE||138|1\n")
    assert callcenter.detect_format(log) == "queue_log"
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    with pytest.raises(CallLogInputError, match="cannot tell the format"):
        callcenter.load(other)
    with pytest.raises(CallLogInputError, match="no such file"):
        callcenter.load(tmp_path / "missing.csv")
