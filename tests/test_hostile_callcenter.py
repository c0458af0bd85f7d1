"""Hostile input for the call-center files: queue_log, CDR, shift schedules, forecasts, and
``hotline callcenter import`` / ``kpi`` / ``staff`` / ``simulate``.

Whatever a file holds, the answer is the project's own error (an ``InputError``: one line naming
the file, line and field, exit 2, nothing written), a malformed line left out and listed, or a
warning that keeps the call; never another exception. Hypothesis generates the malformed input;
the figures (inputs tried per format, tracebacks) go to ``var/test/hostile_callcenter.json`` and
are printed at the end of the module for docs/security.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.callcenter import services
from hotline.callcenter.models import Call, CallLogImport
from hotline.cli import main
from hotline.domain import callcenter
from hotline.domain.callcenter.kpi import kpi_report
from hotline.domain.callcenter.plan import read_forecast
from hotline.domain.callcenter.queue_log import KNOWN_EVENTS
from hotline.domain.callcenter.shifts import read_shifts
from hotline.domain.inputs import InputError
from tests.common.hostile import Tally

pytestmark = pytest.mark.django_db

TALLY = Tally("hostile_callcenter")
T0 = 1772413200  # 2026-03-02 09:00 Beijing time
HEADER = "call_id,started_at,queued,wait_seconds,outcome,agent,talk_seconds\n"
BIG_LINE = b"x" * (2 << 20)  # 2 MiB, past the 1 MiB line limit

FAST = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


attempt = TALLY.attempt


@pytest.fixture(scope="module", autouse=True)
def _figures(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    TALLY.write(pytestconfig)


# -- generated input ----------------------------------------------------------------------------

NUMBERS = st.sampled_from(
    ["0", "12", "-5", "nan", "NaN", "inf", "-inf", "1e308", "1e999", "99999999999999999999",
     "0x10", "1_000", "", " ", "3.5", "86401", "-0"]
)  # fmt: skip
TIMES = st.sampled_from(
    [str(T0), str(T0 + 61), "0", "-1", "1e300", "nan", "253402300799", "17724", "9999999999999",
     "2026-03-02 09:00:00", "9999-12-31 23:59:59", "0001-01-01 00:00:00", "infinity",
     "2026-02-30 09:00:00", "yesterday", ""]
)  # fmt: skip
NAMES = st.one_of(
    st.sampled_from(["c1", "c2", "SIP/8001", "NONE", "", "q", "12345", "x" * 65, "a\x00b"]),
    st.text(max_size=8),
)
JUNK = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b""))


@st.composite
def queue_log_line(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(JUNK)  # random bytes, non-UTF-8 included
    fields = [
        draw(TIMES),
        draw(NAMES),
        draw(NAMES),
        draw(NAMES),
        draw(st.one_of(st.sampled_from([*KNOWN_EVENTS, "BOGUS", ""]), st.text(max_size=6))),
    ]
    fields += draw(st.lists(st.one_of(NUMBERS, NAMES), max_size=6))
    cut = draw(st.integers(1, len(fields)))  # wrong field counts: cut short
    text = "|".join(fields[:cut] if kind == 1 else fields)
    return text.encode("utf-8", errors="surrogatepass")


@st.composite
def queue_log_file(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(queue_log_line(), max_size=25))
    if draw(st.integers(0, 14)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), BIG_LINE)
    ending = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    data = ending.join(lines)
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data  # a byte order mark
    return data


CDR_COLUMNS = st.sampled_from(
    ["call_id", "started_at", "queued", "wait_seconds", "outcome", "agent", "talk_seconds",
     "queue", "caller", "", "extra", "call_id "]
)  # fmt: skip
CDR_VALUES = st.one_of(
    NUMBERS,
    NAMES,
    st.sampled_from(
        ["answered", "abandoned", "ivr_only", "other", "ANSWERED", "hung_up", "true", "no",
         "maybe", "2026-03-02 09:00:00", "2026-03-02T09:00:00+08:00", "9999-12-31T23:59:59-14:00",
         "0001-01-01T00:00:00+14:00", "0001-01-01", "2100-01-01 00:00:00", '"', '"unclosed']
    ),
)  # fmt: skip


def _csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


@st.composite
def cdr_file(draw: st.DrawFn) -> bytes:
    header_kind = draw(st.integers(0, 5))
    if header_kind == 0:
        header = draw(st.lists(CDR_COLUMNS, min_size=0, max_size=9))  # wrong columns
    else:
        header = HEADER.strip().split(",") + draw(st.lists(CDR_COLUMNS, max_size=2))
    rows = []
    for _ in range(draw(st.integers(0, 12))):  # 0: headers only
        if draw(st.integers(0, 12)) == 0:
            rows.append(draw(JUNK))
            continue
        width = len(header) + draw(st.sampled_from([0, 0, 0, -1, 1, -3]))
        values = [draw(CDR_VALUES) for _ in range(max(width, 0))]
        quote = draw(st.booleans())
        cells = [_csv_field(v) if quote else v for v in values]
        rows.append(",".join(cells).encode("utf-8", errors="surrogatepass"))
    if draw(st.integers(0, 14)) == 0:
        rows.insert(draw(st.integers(0, len(rows))), BIG_LINE)
    lines = [",".join(header).encode(), *rows]
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n"]))


def loaded_and_reported(path: Path, fmt: str) -> object:
    log = callcenter.load(path, fmt=fmt)
    report = kpi_report(log)
    accounted = log.report.valid_lines + log.report.malformed + log.report.blank_lines
    assert accounted <= log.report.lines + 1
    assert report["warnings_total"] == log.report.warnings >= len(report["warnings"])
    return report


@FAST
@given(data=queue_log_file())
def test_any_queue_log_gives_a_report_or_one_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(data)
    attempt("queue_log", lambda: loaded_and_reported(path, "queue_log"))


@FAST
@given(data=cdr_file())
def test_any_cdr_gives_a_report_or_one_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "cdr.csv"
    path.write_bytes(data)
    attempt("cdr", lambda: loaded_and_reported(path, "cdr"))


@settings(FAST, max_examples=30)
@given(data=st.one_of(queue_log_file(), cdr_file()))
def test_callcenter_import_writes_all_or_nothing(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "calls.log"
    path.write_bytes(data)
    with transaction.atomic():
        result = attempt("callcenter import", lambda: services.calllog_import(path=path))
        if isinstance(result, InputError):
            assert (CallLogImport.objects.count(), Call.objects.count()) == (0, 0)
        else:
            assert CallLogImport.objects.count() == 1
            assert Call.objects.count() == result.calls_added
            unknown = Call.objects.filter(outcome="answered", agent="").count()
            assert unknown == 0, "an answered call without agent is stored as unknown"
        transaction.set_rollback(True)


SHIFT_OR_FORECAST = st.lists(
    st.lists(st.one_of(CDR_VALUES, st.sampled_from(["A1", "08:00", "2026-03-02T08:00:00"]))),
    max_size=6,
)


@FAST
@given(
    header=st.sampled_from(["agent,start,end", "start,calls,aht_seconds", "start,calls", "x"]),
    rows=SHIFT_OR_FORECAST,
    junk=st.one_of(st.just(b""), JUNK),
)
def test_shift_and_forecast_files_give_rows_or_one_clear_error(
    tmp_path: Path, header: str, rows: list[list[str]], junk: bytes
) -> None:
    path = tmp_path / "table.csv"
    body = "\n".join(",".join(_csv_field(v) for v in row) for row in rows)
    path.write_bytes((header + "\n" + body).encode("utf-8", errors="surrogatepass") + junk)
    attempt("shift schedule", lambda: read_shifts(path))
    attempt("staffing forecast", lambda: read_forecast(path, default_aht=None))


# -- the cases the issue names, through the command line ----------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    TALLY.tried["callcenter CLI"] += 1
    try:
        code = main(["callcenter", *map(str, args)])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    except Exception:
        TALLY.tracebacks["callcenter CLI"] += 1
        raise
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


def q_line(offset: int, callid: str, agent: str, event: str, *data: object) -> str:
    return "|".join([str(T0 + offset), callid, "12345", agent, event, *map(str, data)])


GOOD_QL = [q_line(0, "c1", "NONE", "ENTERQUEUE", "", "138", 1)]
GOOD_QL += [q_line(5, "c1", "SIP/8001", "CONNECT", 5, "c1b", 2)]
GOOD_QL += [q_line(65, "c1", "SIP/8001", "COMPLETECALLER", 5, 60, 1)]
GOOD_CDR = "c1,2026-03-02 09:00:00,true,4,answered,A1,120\n"

# (name, file name, content, kpi source option, what the one-line error says)
FATAL = [
    ("queue_log not UTF-8", "q.log",
     ("\n".join(GOOD_QL) + "\n").encode() + "坐席".encode("gbk") + b"|c2\n",
     "--queue-log", "q.log:4: not UTF-8"),
    ("queue_log 2 MB line", "q.log", "\n".join(GOOD_QL).encode() + b"\n" + BIG_LINE + b"\n",
     "--queue-log", "q.log:4: line longer than"),
    ("queue_log empty", "q.log", b"", "--queue-log", "q.log: the file is empty"),
    ("queue_log nothing usable", "q.log", b"hello|world\nyes|no|maybe|so|BOGUS\n",
     "--queue-log", "q.log:1: event: no usable line"),
    ("CDR year 9999", "c.csv", (HEADER + "c1,9999-12-31T23:59:59-14:00,true,4,answered,A1,9\n")
     .encode(), "--cdr", "c.csv:2: started_at: no usable line; the first: started_at"),
    ("CDR year 1", "c.csv", (HEADER + "c1,0001-01-01 00:00:00,true,4,answered,A1,9\n").encode(),
     "--cdr", "c.csv:2: started_at: no usable line"),
    ("CDR not UTF-8", "c.csv", HEADER.encode() + b"c1,2026-03-02 09:00:00,true,4,answered,\xff,9\n",
     "--cdr", "c.csv:2: not UTF-8"),
    ("CDR 2 MB line", "c.csv", HEADER.encode() + b"c1," + BIG_LINE + b"\n", "--cdr",
     "c.csv:2: line longer than"),
    ("CDR empty", "c.csv", b"", "--cdr", "c.csv: the file is empty"),
    ("CDR wrong columns", "c.csv", b"id,when,what\n1,2,3\n", "--cdr",
     "c.csv:1: CDR column(s) missing: call_id, started_at, outcome"),
    ("CDR column twice", "c.csv", (HEADER.strip() + ",agent\n").encode(), "--cdr",
     "named twice: agent"),
    ("CDR unclosed quote", "c.csv", (HEADER + 'c1,"2026-03-02 09:00:00\n' + "x" * 2_000 + "\n"
     ).encode(), "--cdr", "c.csv:3: outcome: no usable line"),
    ("CDR huge numbers only", "c.csv", (HEADER + "c1,2026-03-02 09:00:00,true,1e300,answered,A,"
     "inf\n").encode(), "--cdr", "c.csv:2: wait_seconds: no usable line"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "file", "content", "option", "message"), FATAL, ids=[c[0] for c in FATAL]
)
def test_kpi_and_import_of_an_unreadable_file_are_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    file: str,
    content: bytes,
    option: str,
    message: str,
) -> None:
    path = tmp_path / file
    path.write_bytes(content)
    out = tmp_path / "kpi.json"
    code, _, err = run(capsys, "kpi", option, path, "--json", out)
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not out.exists()
    fmt = "queue_log" if option == "--queue-log" else "cdr"
    code, _, err = run(capsys, "import", path, "--format", fmt)
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert (CallLogImport.objects.count(), Call.objects.count()) == (0, 0)


def test_kpi_json_naming_a_directory_is_refused_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.csv").write_text(HEADER + GOOD_CDR)
    code, _, err = run(capsys, "kpi", "--cdr", tmp_path / "c.csv", "--json", tmp_path)
    assert code == 2 and err.count("\n") == 1 and "is a directory" in err


def test_a_bad_line_among_good_ones_is_left_out_and_named_with_its_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.csv").write_text(
        HEADER
        + GOOD_CDR
        + "c2,9999-12-31 23:59:59,true,4,answered,A1,9\n"
        + "c3,2026-03-02 09:01:00,true,nan,abandoned,,\n"
        + "c4,2026-03-02 09:02:00,true,4,answered,A1,-9\n"
        + "c5,2026-03-02 09:03:00,true,4,answered,A1,1e308\n"
    )
    out = tmp_path / "kpi.json"
    code, _, err = run(capsys, "kpi", "--cdr", tmp_path / "c.csv", "--json", out)
    assert code == 0, err
    report = json.loads(out.read_text())
    bad = {row["line"]: row["field"] for row in report["input"]["malformed_lines"]}
    assert bad == {3: "started_at", 4: "wait_seconds", 5: "talk_seconds", 6: "talk_seconds"}
    assert "c.csv:3: started_at: started_at '9999-12-31 23:59:59' is outside 2000–2100" in err
    assert report["answered"] == 1


def test_an_answered_call_without_agent_counts_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.csv").write_text(
        HEADER
        + GOOD_CDR
        + "c2,2026-03-02 09:01:00,true,6,answered,,90\n"
        + "c3,2026-03-02 09:02:00,true,40,abandoned,,\n"
        + "c4,2026-03-02 09:03:00,true,3,answered, ,60\n"
    )
    out = tmp_path / "kpi.json"
    code, stdout, err = run(capsys, "kpi", "--cdr", tmp_path / "c.csv", "--json", out)
    assert code == 0, err
    report = json.loads(out.read_text())
    assert (report["offered"], report["answered"], report["abandoned"]) == (4, 3, 1)
    assert report["connect_rate"] == 0.75  # 接通率: the agentless calls count
    assert report["warnings_total"] == 2
    assert [(w["line"], w["field"]) for w in report["warnings"]] == [(3, "agent"), (5, "agent")]
    assert "counted as unknown" in report["warnings"][0]["message"]
    agents = {row["agent"]: row["answered"] for row in report["agents"]}
    assert agents == {"A1": 1, "unknown": 2}
    assert "2 warning(s), the calls counted" in err and "c.csv:3: agent:" in err
    assert "2 line(s) with warnings" in stdout

    code, stdout, err = run(capsys, "import", tmp_path / "c.csv")
    assert code == 0, err
    assert "2 warnings" in stdout
    stored = dict(Call.objects.filter(outcome="answered").values_list("call_id", "agent"))
    assert stored == {"c1": "A1", "c2": "unknown", "c4": "unknown"}


def test_a_queue_log_connect_without_agent_counts_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "q.log"
    path.write_text(
        "\n".join(
            [
                *GOOD_QL,
                q_line(100, "c2", "NONE", "ENTERQUEUE", "", "139", 1),
                q_line(108, "c2", "NONE", "CONNECT", 8, "c2b", 2),
                q_line(200, "c2", "", "COMPLETEAGENT", 8, 92, 1),
                q_line(300, "c3", "NONE", "ENTERQUEUE", "", "140", 1),
                q_line(330, "c3", "NONE", "ABANDON", 1, 1, 30),
            ]
        )
        + "\n"
    )
    log = callcenter.load(path)
    report = kpi_report(log)
    assert (report["answered"], report["abandoned"]) == (2, 1)
    assert [(w["line"], w["field"]) for w in report["warnings"]] == [(5, "agent"), (6, "agent")]
    assert {row["agent"]: row["answered"] for row in report["agents"]}["unknown"] == 1
    assert log.report.malformed == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("staff", "--calls", "10", "--interval-minutes", "30", "--aht-seconds", "180",
          "--target-seconds", "nan"), "--target-seconds: must be a finite number"),
        (("staff", "--calls", "1e300", "--interval-minutes", "30", "--aht-seconds", "180"),
         "--calls: must be between 0 and 1e+06"),
        (("staff", "--calls", "10", "--interval-minutes", "30", "--aht-seconds", "inf"),
         "--aht-seconds: must be a finite number"),
        (("staff", "--plan", "f.csv", "--interval-minutes", "30"),
         "f.csv:3: aht_seconds: must be a finite number"),
        (("kpi", "--cdr", "c.csv", "--shifts", "s.csv"),
         "s.csv:2: start: '9999-12-31T08:00:00' must be a local date-time"),
        (("kpi", "--cdr", "c.csv", "--interval", "infh"), "interval: 'infh' is not like 15m"),
        (("kpi", "--cdr", "c.csv", "--shrinkage", "nan"), "shrinkage: must be a finite number"),
        (("simulate", "--out", "."), "is a directory"),
        (("simulate", "--out", "q.log", "--days", "100000"), "--days must be 1 to 366"),
    ],
)  # fmt: skip
def test_staffing_and_option_input_is_bounded(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("f.csv").write_text("start,calls,aht_seconds\n08:00,10,180\n08:30,10,inf\n")
    Path("s.csv").write_text("agent,start,end\nA1,9999-12-31T08:00:00,9999-12-31T16:00:00\n")
    Path("c.csv").write_text(HEADER + GOOD_CDR)
    needs_json = args[0] in ("staff", "kpi")
    code, _, err = run(capsys, *args, *(("--json", "o.json") if needs_json else ()))
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not Path("o.json").exists()


def test_control_bytes_and_lone_carriage_returns_stay_on_their_line(tmp_path: Path) -> None:
    path = tmp_path / "q.log"
    path.write_bytes(
        "\n".join([*GOOD_QL, f"{T0 + 70}|c2|12345|NONE|ENTER\x01QUEUE", "garbage\rmore"]).encode()
        + b"\n"
        + q_line(80, "c3", "NONE", "ENTERQUEUE", "", "140", 1).encode()
        + b"\n"
    )
    log = callcenter.load(path)
    assert sorted(bad.line for bad in log.report.malformed_sample) == [4, 5]
    assert log.report.lines == 6
    assert kpi_report(log)["answered"] == 1
