"""未接来电回拨: were abandoned callers called back? Set-based in DuckDB over ``calls`` (inbound)
and ``outbound_calls`` (see :mod:`hotline.domain.callcenter.calllog`).

For every abandoned inbound call with a caller number, over a window (default 24 h) after the
caller gave up (``ended_at``, else ``entered_at``):

* ``called_back`` — an outbound call to that number started within the window;
* ``called_back_reached`` — of those, the FIRST such outbound call was answered;
* ``called_again`` — not called back, but the same number called in and was answered within the
  window (nobody needs to call back a citizen who got through);
* ``not_called_back`` — the rest.

``callback_rate`` = called_back / (abandoned_with_number − called_again), None when that is 0;
``median_minutes_to_callback`` = the median minutes from the abandon to the first callback.
Numbers match after :func:`phone_key` ("138 1234 5678", "+86 138-1234-5678" and "13812345678"
are one number). Two abandons of one number are two calls: one callback inside both windows
answers both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.domain.callcenter.calllog import CallLog
from hotline.domain.inputs import InputError

DEFAULT_WINDOW_MINUTES = 24 * 60
MAX_WINDOW_MINUTES = 30 * 24 * 60
KEYS = (
    "abandoned_with_number",
    "called_back",
    "called_back_reached",
    "called_again",
    "not_called_back",
    "callback_rate",
    "median_minutes_to_callback",
)
DEFINITION = (
    "回拨 callbacks, per abandoned inbound call with a caller number, within the window after it: "
    "called_back = an outbound call to that number started; called_back_reached = the first "
    "such call was answered; called_again = not called back but the number called in and was "
    "answered; not_called_back = the rest; callback_rate = called_back / (abandoned_with_number "
    "− called_again); median_minutes_to_callback = median minutes to the first callback"
)
_NOT_DIGIT = re.compile(r"\D")
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*$", re.IGNORECASE)


class CallbackWindowError(InputError):
    """A callback window that is not like 90m, 24h or 2d."""


def parse_window(text: str) -> int:
    """'24h', '90m', '2d' (a bare number is hours) → minutes, 1 minute to 30 days."""
    match = _WINDOW.match(text or "")
    if not match:
        raise CallbackWindowError(
            f"{text[:40]!r} is not like 90m, 24h or 2d", field="callback-window"
        )
    number, unit = float(match[1]), (match[2] or "h").lower()
    minutes = number * {"m": 1, "min": 1, "h": 60, "d": 24 * 60}[unit]
    if not 1 <= minutes <= MAX_WINDOW_MINUTES:
        raise CallbackWindowError(
            f"{text[:40]!r} must be from 1 minute to 30 days", field="callback-window"
        )
    return int(minutes)


def phone_key(number: str | None) -> str:
    """The digits that identify a number: +86 / 0086 / 86 (before 11 digits) and a trunk 0 are
    dropped, so "+86 138 1234 5678" and "13812345678", "010-12345678" and "+86 10 1234 5678"
    match. Empty when the number has no digits. :data:`PHONE_KEY_SQL` is the same in DuckDB."""
    raw = (number or "").strip()
    digits = _NOT_DIGIT.sub("", raw)
    if raw.startswith("+") and digits.startswith("86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits[1:] if digits.startswith("0") else digits


# The same as phone_key, as DuckDB macros.
PHONE_KEY_SQL = r"""
CREATE OR REPLACE TEMP MACRO phone_digits(s) AS regexp_replace(coalesce(s, ''), '\D', '', 'g');
CREATE OR REPLACE TEMP MACRO phone_country(s) AS CASE
  WHEN starts_with(trim(coalesce(s, '')), '+') AND starts_with(phone_digits(s), '86')
    THEN phone_digits(s)[3:]
  WHEN starts_with(phone_digits(s), '0086') THEN phone_digits(s)[5:]
  WHEN starts_with(phone_digits(s), '86') AND length(phone_digits(s)) = 13
    THEN phone_digits(s)[3:]
  ELSE phone_digits(s) END;
CREATE OR REPLACE TEMP MACRO phone_key(s) AS nullif(CASE
  WHEN starts_with(phone_country(s), '0') THEN phone_country(s)[2:]
  ELSE phone_country(s) END, '');
"""

_OUTBOUND_EMPTY = """
CREATE TEMP TABLE IF NOT EXISTS outbound_calls (call_id VARCHAR, queue VARCHAR, caller VARCHAR,
  outcome VARCHAR, entered_at TIMESTAMP, talk_seconds DOUBLE, agent VARCHAR, first_line BIGINT,
  last_line BIGINT)
"""

# $1: the window in minutes. One row per abandoned inbound call with a number.
_STATUS_SQL = """
WITH ab AS (
  SELECT call_id, caller, phone_key(caller) AS k, coalesce(ended_at, entered_at) AS at,
         first_line
  FROM calls WHERE outcome = 'abandoned' AND phone_key(caller) IS NOT NULL
    AND coalesce(ended_at, entered_at) IS NOT NULL
), ob AS (
  SELECT call_id, phone_key(caller) AS k, entered_at, outcome FROM outbound_calls
  WHERE phone_key(caller) IS NOT NULL AND entered_at IS NOT NULL
), back AS (
  SELECT ab.call_id, ob.entered_at, ob.outcome,
         row_number() OVER (PARTITION BY ab.call_id ORDER BY ob.entered_at, ob.call_id) AS nth
  FROM ab JOIN ob ON ob.k = ab.k AND ob.entered_at >= ab.at
    AND ob.entered_at <= ab.at + to_minutes($1::BIGINT)
), again AS (
  SELECT DISTINCT ab.call_id FROM ab JOIN calls c ON c.outcome = 'answered'
    AND phone_key(c.caller) = ab.k AND c.entered_at > ab.at
    AND c.entered_at <= ab.at + to_minutes($1::BIGINT)
)
SELECT ab.call_id, ab.caller, ab.at AS abandoned_at,
  ab.at + to_minutes($1::BIGINT) AS deadline, ab.first_line,
  b.entered_at AS first_callback_at, b.outcome AS first_callback_outcome,
  CASE WHEN b.call_id IS NOT NULL THEN 'called_back'
       WHEN g.call_id IS NOT NULL THEN 'called_again'
       ELSE 'not_called_back' END AS status
FROM ab
LEFT JOIN back b ON b.call_id = ab.call_id AND b.nth = 1
LEFT JOIN again g ON g.call_id = ab.call_id
"""

_COUNTS_SQL = f"""
SELECT count(*) AS abandoned_with_number,
  count(*) FILTER (WHERE status = 'called_back') AS called_back,
  count(*) FILTER (WHERE status = 'called_back' AND first_callback_outcome = 'answered')
    AS called_back_reached,
  count(*) FILTER (WHERE status = 'called_again') AS called_again,
  count(*) FILTER (WHERE status = 'not_called_back') AS not_called_back,
  median(epoch(first_callback_at - abandoned_at) / 60.0) FILTER (WHERE status = 'called_back')
    AS median_minutes_to_callback
FROM ({_STATUS_SQL})
"""


def _prepare(log: CallLog) -> None:
    log.con.execute(PHONE_KEY_SQL)
    log.con.execute(_OUTBOUND_EMPTY)


def callback_counts(
    log: CallLog, *, window_minutes: int = DEFAULT_WINDOW_MINUTES
) -> dict[str, Any]:
    """The ``callbacks`` block of the KPI report: exactly :data:`KEYS`."""
    _prepare(log)
    row = log.rows(_COUNTS_SQL, [window_minutes])[0]
    base = row["abandoned_with_number"] - row["called_again"]
    median = row["median_minutes_to_callback"]
    return {
        "abandoned_with_number": row["abandoned_with_number"],
        "called_back": row["called_back"],
        "called_back_reached": row["called_back_reached"],
        "called_again": row["called_again"],
        "not_called_back": row["not_called_back"],
        "callback_rate": row["called_back"] / base if base else None,
        "median_minutes_to_callback": float(median) if median is not None else None,
    }


@dataclass(frozen=True)
class MissedCallback:
    """An abandoned call nobody called back (and who did not get through) within the window."""

    call_id: str
    caller: str
    abandoned_at: datetime
    deadline: datetime
    line: int | None


def missed_callbacks(
    log: CallLog, *, window_minutes: int = DEFAULT_WINDOW_MINUTES, closed_only: bool = True
) -> list[MissedCallback]:
    """The abandoned calls not called back, oldest first. With ``closed_only``, only those whose
    window ended by the log's last call (a call abandoned at the end of the day's file may still
    be called back tomorrow)."""
    _prepare(log)
    rows = log.rows(
        f"SELECT * FROM ({_STATUS_SQL}) WHERE status = 'not_called_back' "
        "ORDER BY abandoned_at, call_id",
        [window_minutes],
    )
    if closed_only:
        end = _log_end(log)
        rows = [row for row in rows if end is not None and row["deadline"] <= end]
    return [
        MissedCallback(
            call_id=row["call_id"],
            caller=row["caller"],
            abandoned_at=row["abandoned_at"],
            deadline=row["deadline"],
            line=row["first_line"],
        )
        for row in rows
    ]


def _log_end(log: CallLog) -> datetime | None:
    row = log.con.execute(
        "SELECT max(t) FROM (SELECT max(coalesce(ended_at, entered_at)) AS t FROM calls "
        "UNION ALL SELECT max(entered_at) FROM outbound_calls)"
    ).fetchone()
    return row[0] if row else None


def add_outbound(log: CallLog, rows: list[tuple[str, str, str, datetime]]) -> None:
    """Outbound calls recorded elsewhere (the agents' worklist) as (call_id, number, outcome,
    started at, local naive time), so the finding sees callbacks the switch's file lacks."""
    _prepare(log)
    known = {r[0] for r in log.con.execute("SELECT call_id FROM outbound_calls").fetchall()}
    fresh = [[c, n, o, at] for c, n, o, at in rows if c not in known]
    if fresh:
        log.con.executemany(
            "INSERT INTO outbound_calls (call_id, caller, outcome, entered_at) VALUES (?, ?, ?, ?)",
            fresh,
        )


def window_text(minutes: int) -> str:
    """24 小时, 90 分钟: the window as the finding's explanation says it."""
    if minutes % 60 == 0:
        return f"{minutes // 60} 小时"
    return f"{minutes} 分钟"
