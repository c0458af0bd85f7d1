"""long_busy and away_from_post on hand-built queue_logs, and on a simulated center."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from hotline.domain.callcenter import CallLog
from hotline.domain.callcenter.queue_log import load_queue_log
from hotline.domain.callcenter.simulate import simulate_queue_log
from hotline.domain.detectors import away_from_post, long_busy
from hotline.domain.detectors.away_from_post import ShiftSlot
from tests.domain.test_queue_log import line

MIN = 60


def load(tmp_path: Path, *lines: str) -> CallLog:
    path = tmp_path / "queue_log"
    path.write_text("".join(text + "\n" for text in sorted(lines, key=lambda t: int(t[:10]))))
    return load_queue_log(path)


def shift_day(agent: str = "SIP/8001") -> list[str]:
    """08:00–17:00 logged in, a 10-minute break; the log runs from 09:00 (T0) on."""
    return [
        line(-60 * MIN, "NONE", agent, "ADDMEMBER", ""),
        line(60 * MIN, "NONE", agent, "PAUSE", "小休"),
        line(70 * MIN, "NONE", agent, "UNPAUSE", ""),
        line(8 * 60 * MIN, "NONE", agent, "REMOVEMEMBER", ""),
    ]


def busy_calls(start: int, count: int, gap: int = 60) -> list[str]:
    """Calls every ``gap`` s answered by SIP/8002, with some abandoned."""
    lines = []
    for n in range(count):
        t, callid = start + n * gap, f"k{start}-{n}"
        lines.append(line(t, callid, "NONE", "ENTERQUEUE", "", "", 1))
        if n % 4 == 0:
            lines.append(line(t + 30, callid, "NONE", "ABANDON", 1, 1, 30))
        else:
            lines.append(line(t + 2, callid, "SIP/8002", "CONNECT", 2, "b", 1))
            lines.append(line(t + 40, callid, "SIP/8002", "COMPLETECALLER", 2, 38, 1))
    return lines


def test_long_busy_fires_on_one_long_pause_at_peak(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        *shift_day(),
        *shift_day("SIP/8002"),
        line(90 * MIN, "NONE", "SIP/8001", "PAUSE", "忙碌"),
        line(160 * MIN, "NONE", "SIP/8001", "UNPAUSE", ""),
        *busy_calls(90 * MIN, 60),
    )
    (finding,) = long_busy.detect(log)
    assert (finding.detector, finding.agent, finding.day) == (
        "long_busy",
        "SIP/8001",
        date(2026, 3, 2),
    )
    assert finding.severity == "high"
    assert finding.started_at == datetime(2026, 3, 2, 10, 30)
    assert "最长一次 70 分钟（10:30–11:40，原因：忙碌）" in finding.explanation
    assert "处于话务高峰时段" in finding.explanation and "放弃来电 15 通" in finding.explanation
    pause_lines = [n for n, text in enumerate(log_lines(tmp_path), 1) if "忙碌" in text]
    assert pause_lines[0] in finding.evidence and len(finding.evidence) == 2


def log_lines(tmp_path: Path) -> list[str]:
    return (tmp_path / "queue_log").read_text().splitlines()


def test_long_busy_fires_on_many_short_pauses_adding_up(tmp_path: Path) -> None:
    pauses = []
    for n in range(8):  # 8 × 25 min = 200 of 540 min logged in
        start = (n * 60 - 30) * MIN
        pauses += [
            line(start, "NONE", "SIP/8001", "PAUSE", "其他"),
            line(start + 25 * MIN, "NONE", "SIP/8001", "UNPAUSE", ""),
        ]
    log = load(tmp_path, *shift_day()[:1], *shift_day()[3:], *pauses)
    (finding,) = long_busy.detect(log)
    assert "占登录时长 37%" in finding.explanation and "超过 35% 的阈值" in finding.explanation
    assert finding.severity == "medium"
    assert len(finding.evidence) == 16  # every pause and unpause line


def test_long_busy_stays_quiet_for_a_normal_day(tmp_path: Path) -> None:
    meal = [
        line(180 * MIN, "NONE", "SIP/8001", "PAUSE", "用餐"),
        line(210 * MIN, "NONE", "SIP/8001", "UNPAUSE", ""),
    ]
    log = load(tmp_path, *shift_day(), *meal, *busy_calls(0, 30))
    assert long_busy.detect(log) == []


def test_a_pause_ended_by_logging_out_is_not_long_busy(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        *shift_day()[:1],
        line(0, "NONE", "SIP/8001", "PAUSE", "下班"),
        line(10 * MIN, "NONE", "SIP/8001", "REMOVEMEMBER", ""),
        line(300 * MIN, "NONE", "SIP/8009", "ADDMEMBER", ""),
    )
    assert long_busy.detect(log) == []


def test_away_from_post_fires_on_logging_out_inside_the_shift(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        *shift_day(),
        line(120 * MIN, "NONE", "SIP/8001", "REMOVEMEMBER", ""),
        line(200 * MIN, "NONE", "SIP/8001", "ADDMEMBER", ""),
    )
    away_from_post.load_shifts(
        log, [ShiftSlot("SIP/8001", datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 17))]
    )
    (finding,) = away_from_post.detect(log)
    assert finding.agent == "SIP/8001" and finding.minutes == 80
    assert "班内签出 80 分钟（最长一段 11:00–12:20）" in finding.explanation
    assert finding.severity == "high"  # three times the threshold


def test_away_from_post_fires_on_a_missed_shift_and_on_unanswered_rings(tmp_path: Path) -> None:
    rings = [line(30 * MIN + n * 20, f"r{n}", "SIP/8002", "RINGNOANSWER", 15000) for n in range(3)]
    log = load(
        tmp_path, *shift_day("SIP/8002"), *rings, line(0, "NONE", "SIP/8009", "ADDMEMBER", "")
    )
    away_from_post.load_shifts(
        log,
        [
            ShiftSlot("SIP/8001", datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 12)),
            ShiftSlot("SIP/8002", datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 17)),
        ],
    )
    missed, unreachable = sorted(away_from_post.detect(log), key=lambda f: f.agent or "")
    assert "整班未登录" in missed.explanation and missed.severity == "high"
    assert "连续振铃未接 3 次（09:30 起）" in unreachable.explanation
    assert len(unreachable.evidence) == 3


def test_away_from_post_stays_quiet_inside_the_grace_period(tmp_path: Path) -> None:
    log = load(
        tmp_path,
        line(-57 * MIN, "NONE", "SIP/8001", "ADDMEMBER", ""),  # 3 minutes late
        line(8 * 60 * MIN - 2 * MIN, "NONE", "SIP/8001", "REMOVEMEMBER", ""),  # 2 minutes early
        line(8 * 60 * MIN, "NONE", "SIP/8009", "ADDMEMBER", ""),
    )
    away_from_post.load_shifts(
        log, [ShiftSlot("SIP/8001", datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 17))]
    )
    assert away_from_post.detect(log) == []


def _simulated(tmp_path: Path, *, busy: int, away: int) -> tuple[set, set]:
    out = io.StringIO()
    center = simulate_queue_log(
        out, start=date(2026, 3, 2), days=4, plant_busy=busy, plant_away=away, seed=11
    )
    path = tmp_path / "sim.log"
    path.write_text(out.getvalue())
    log = load_queue_log(path)
    away_from_post.load_shifts(log, center.shifts)
    found = long_busy.detect(log) + away_from_post.detect(log)
    truth = {(p.detector, p.agent, p.day) for p in center.planted}
    return {(f.detector, f.agent, f.day) for f in found}, truth


def test_simulated_center_planted_cases_are_found_exactly(tmp_path: Path) -> None:
    found, truth = _simulated(tmp_path, busy=2, away=1)
    assert len(truth) == 12
    assert found == truth


def test_simulated_clean_center_has_no_findings(tmp_path: Path) -> None:
    found, truth = _simulated(tmp_path, busy=0, away=0)
    assert truth == set() and found == set()
