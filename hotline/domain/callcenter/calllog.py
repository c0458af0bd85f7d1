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
agent            VARCHAR    agent who answered
ring_no_answer   BIGINT     agents rung who did not answer
first_line       BIGINT     line numbers of the evidence in the source file
last_line        BIGINT
===============  =========  ==================================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from hotline.domain.duck import query_dicts

MALFORMED_SAMPLE = 100
# Quoted values and numbers differ line by line; without them a problem names its kind.
_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


@dataclass(frozen=True)
class Malformed:
    line: int
    problem: str
    text: str


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

    def add_malformed(self, rows: Iterable[tuple[int, str, str | None]]) -> None:
        kinds: Counter[str] = Counter(self.malformed_by_problem)
        for line, problem, text in rows:
            self.malformed += 1
            kinds[_PARTICULARS.sub("…", problem)] += 1
            if len(self.malformed_sample) < MALFORMED_SAMPLE:
                self.malformed_sample.append(Malformed(line, problem, (text or "")[:300]))
        self.malformed_by_problem = dict(kinds)

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
                {"line": bad.line, "problem": bad.problem, "text": bad.text}
                for bad in self.malformed_sample
            ],
            "ignored_events": self.ignored_events,
            "out_of_order_lines": self.out_of_order,
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
