"""The loaded call log: a DuckDB connection holding ``calls`` (and, from a queue_log,
``agent_spans`` and ``rings``), plus what loading found wrong with the input.

Every loader fills the same ``calls`` table, so KPIs and detectors never care where calls
came from:

===============  =========  ==================================================================
call_id          VARCHAR    the caller's call (Asterisk uniqueid or the CDR's call_id)
queue            VARCHAR    first queue entered
caller           VARCHAR    caller id, when known
outcome          VARCHAR    answered / abandoned / ivr_only / other / incomplete
exit_reason      VARCHAR    for unanswered calls: ABANDON, EXITWITHTIMEOUT, … or the CDR outcome
entered_at       TIMESTAMP  local time the call entered the queue (or the CDR's started_at)
answered_at      TIMESTAMP  local time an agent picked up
ended_at         TIMESTAMP  end of talk, or when the caller gave up
wait_seconds     DOUBLE     time in queue
talk_seconds     DOUBLE     talk time (NULL while the call was still going at the end of the log)
agent            VARCHAR    agent who answered (NULL when the log does not say)
ring_no_answer   BIGINT     agents rung who did not answer
first_line       BIGINT     line numbers of the evidence in the source file
last_line        BIGINT
===============  =========  ==================================================================

``calls`` holds inbound calls only. Outbound calls (回拨, ``direction`` ``out`` in a CDR, a
``CALLOUTBOUND`` call in a queue_log) are in ``outbound_calls`` (call_id, queue, caller = the number
dialled, outcome = answered / no_answer / busy / failed, entered_at = when dialling started,
talk_seconds, agent, first_line, last_line), so that no KPI ever counts them as offered or answered;
:mod:`hotline.domain.callcenter.callbacks` reads both.

What is wrong with a file falls in one of three kinds (docs/design.md, "Bad call-center input"):

* **fatal** — the file cannot be read as a call log: missing, a directory, empty, not UTF-8, a
  line longer than 1 MiB, a CDR without its required columns or not parseable as CSV, a format
  that cannot be told. :class:`CallLogInputError` (an :class:`~hotline.domain.inputs.InputError`)
  names the file, the line and the field; the CLI prints one line and exits 2, nothing written.
* **malformed line** — one line or row cannot be a fact about a call (a time that is not a
  time or lies outside 2000–2100, a negative, infinite or day-long duration, an unknown outcome,
  a duplicate call id, a name too long to store): it is left out, counted and listed with its
  line, field and problem. A log cut off mid-line at rotation must not stop a month's report.
* **warning** — the line is usable but incomplete, and leaving it out would hide what happened:
  the call counts, and the report lists the line, field and message. An answered call whose
  agent is empty counts as answered, by agent :data:`UNKNOWN_AGENT`, so 接通率 stays true.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from hotline.domain.duck import query_dicts
from hotline.domain.inputs import MAX_LINE_BYTES, InputError

MALFORMED_SAMPLE = 100
WARNING_SAMPLE = 100
# Calls outside this span are cut-off or garbled fields (year 1, year 9999, milliseconds read
# as seconds), not calls to this hotline.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)
# No call waits or talks a whole day: a longer duration is a garbled field.
MAX_CALL_SECONDS = 86_400
# The database keeps call ids, agents, queues, callers and pause reasons in 64 characters.
MAX_NAME = 64
# Who answered a call whose log does not say (shown in reports; NULL in the ``calls`` table so
# that no agent-state spans are invented for it).
UNKNOWN_AGENT = "unknown"
# Quoted values and numbers differ line by line; without them a problem names its kind.
_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


class CallLogInputError(InputError):
    """The input file cannot be read as a call log at all (fatal); names file, line, field."""


@dataclass(frozen=True)
class Malformed:
    line: int
    problem: str
    text: str
    field: str | None = None


@dataclass(frozen=True)
class RowWarning:
    """A usable line with a data-quality problem: the call counts, the report lists it."""

    line: int
    field: str
    message: str


def scan_text(path: str | Path, *, max_line_bytes: int = MAX_LINE_BYTES) -> bool:
    """Refuse a file that is not UTF-8 text or has an over-long line (fatal, line named).

    Reads in blocks (a queue_log loader runs it only when DuckDB refuses the file). Returns
    whether the file holds bytes that DuckDB's line reader would not keep on their line
    (U+0001, a lone CR): the file is then read from a :func:`cleaned_copy`.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line, run, awkward = 1, 0, False
    with Path(path).open("rb") as raw:
        while block := raw.read(max_line_bytes):
            try:
                if not (block.isascii() and not decoder.getstate()[0]):
                    decoder.decode(block)
            except UnicodeDecodeError as exc:
                at = line + block[: max(exc.start, 0)].count(b"\n")
                raise CallLogInputError(
                    "not UTF-8 text (export the file as UTF-8, e.g. iconv -f GBK -t UTF-8)",
                    source=path,
                    line=at,
                ) from None
            first = block.find(b"\n")
            if first < 0:
                run += len(block)
            else:
                run += first
            if run > max_line_bytes:
                raise CallLogInputError(
                    f"line longer than {max_line_bytes:,} bytes: not a call log line",
                    source=path,
                    line=line,
                )
            if first >= 0:
                line += block.count(b"\n")
                run = len(block) - block.rfind(b"\n") - 1
            awkward = (
                awkward or b"\x01" in block or (b"\r" in block and bool(_LONE_CR.search(block)))
            )
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise CallLogInputError(
                "not UTF-8 text (cut inside a character)", source=path, line=line
            ) from None
    return awkward


_LONE_CR = re.compile(rb"\r(?!\n)")


def cleaned_copy(path: str | Path, target: Path) -> None:
    """Copy a checked file with U+0001 and lone CRs made U+FFFD, line by line (numbers kept)."""
    with Path(path).open("rb") as raw, target.open("wb") as out:
        for chunk in raw:
            out.write(_LONE_CR.sub("\ufffd".encode(), chunk.replace(b"\x01", "\ufffd".encode())))


@dataclass
class LoadReport:
    """What the loader read and what it refused, so no line is ever silently dropped."""

    source: str
    format: str
    lines: int = 0
    valid_lines: int = 0  # well-formed lines (or rows), ignored events included
    blank_lines: int = 0
    malformed: int = 0
    malformed_by_problem: dict[str, int] = field(default_factory=dict)
    malformed_sample: list[Malformed] = field(default_factory=list)
    ignored_events: dict[str, int] = field(default_factory=dict)
    out_of_order: int = 0
    warnings: int = 0
    warnings_sample: list[RowWarning] = field(default_factory=list)

    def add_malformed(
        self, rows: Iterable[tuple[int, str, str | None] | tuple[int, str, str | None, str | None]]
    ) -> None:
        kinds: Counter[str] = Counter(self.malformed_by_problem)
        for line, problem, text, *named in rows:
            self.malformed += 1
            kinds[_PARTICULARS.sub("…", problem)] += 1
            if len(self.malformed_sample) < MALFORMED_SAMPLE:
                where = named[0] if named else None
                self.malformed_sample.append(Malformed(line, problem, (text or "")[:300], where))
        self.malformed_by_problem = dict(kinds)

    def add_warnings(self, rows: Iterable[tuple[int, str, str]]) -> None:
        for line, name, message in rows:
            self.warnings += 1
            if len(self.warnings_sample) < WARNING_SAMPLE:
                self.warnings_sample.append(RowWarning(line, name, message))

    def warnings_list(self) -> list[dict[str, Any]]:
        return [
            {"line": w.line, "field": w.field, "message": w.message} for w in self.warnings_sample
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "lines": self.lines,
            "valid_lines": self.valid_lines,
            "blank_lines": self.blank_lines,
            "malformed": self.malformed,
            "malformed_by_problem": self.malformed_by_problem,
            "malformed_lines": [
                {"line": bad.line, "field": bad.field, "problem": bad.problem, "text": bad.text}
                for bad in self.malformed_sample
            ],
            "ignored_events": self.ignored_events,
            "out_of_order_lines": self.out_of_order,
            "warnings_total": self.warnings,
            "warnings": self.warnings_list(),
        }


class CallLog:
    """A loaded log. Tables live in the connection; see the module docstring for ``calls``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
        self.con = con
        self.report = report

    @property
    def has_agent_states(self) -> bool:
        return self.has_table("agent_spans")

    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return query_dicts(self.con, sql, params)

    def call_count(self) -> int:
        row = self.con.execute("SELECT count(*) FROM calls").fetchone()
        return int(row[0]) if row else 0
