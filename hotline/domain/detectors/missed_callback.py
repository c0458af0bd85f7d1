"""``missed_callback`` (未回拨): abandoned calls with a caller number that nobody called back, and
whose caller did not get through again, within the window (default 24 h); see
:mod:`hotline.domain.callcenter.callbacks`. One finding per day of abandons, listing the calls
(call id, masked number, abandoned at): supervisors read findings; only agents dial, from their
worklist. Only calls whose window ended by the end of the log are judged."""

from __future__ import annotations

from itertools import groupby

from hotline.domain.callcenter.callbacks import (
    DEFAULT_WINDOW_MINUTES,
    MissedCallback,
    missed_callbacks,
    window_text,
)
from hotline.domain.callcenter.calllog import CallLog
from hotline.domain.detectors.finding import HIGH, MEDIUM, Finding
from hotline.domain.masking import mask_phone

CODE = "missed_callback"
LISTED = 20  # calls named in one finding's explanation; the count says how many in all
HIGH_FROM = 10  # a day with this many calls not called back is severe


def detect(log: CallLog, *, window_minutes: int = DEFAULT_WINDOW_MINUTES) -> list[Finding]:
    missed = missed_callbacks(log, window_minutes=window_minutes)
    return [
        _finding(list(calls), window_minutes)
        for _, calls in groupby(missed, key=lambda call: call.abandoned_at.date())
    ]


def _finding(calls: list[MissedCallback], window_minutes: int) -> Finding:
    first = calls[0]
    listed = "、".join(
        f"{call.call_id}（{mask_phone(call.caller)}，{call.abandoned_at:%H:%M} 放弃）"
        for call in calls[:LISTED]
    )
    more = f"等 {len(calls)} 通" if len(calls) > LISTED else f"共 {len(calls)} 通"
    return Finding(
        detector=CODE,
        severity=HIGH if len(calls) >= HIGH_FROM else MEDIUM,
        explanation=(
            f"{first.abandoned_at:%Y-%m-%d} 放弃的来电中，{listed}{more}，"
            f"{window_text(window_minutes)}内未回拨，来电人也未再次接通。"
        ),
        evidence=tuple(sorted(call.line for call in calls if call.line)),
        day=first.abandoned_at.date(),
        started_at=first.abandoned_at,
        ended_at=calls[-1].abandoned_at,
        minutes=None,
    )
