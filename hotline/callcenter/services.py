"""Every write of the call-center app: importing a call log (all or nothing), agents' own
state changes, and the callbacks (回拨) agents record on their worklist."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction

from hotline import clock
from hotline.callcenter.models import (
    AgentFinding,
    AgentStateChange,
    AgentStateSpan,
    Call,
    CallLogImport,
)
from hotline.callcenter.selectors import DIALLING_ROLES, callback_window
from hotline.domain import callcenter
from hotline.domain.callcenter import CallLog
from hotline.domain.callcenter.callbacks import add_outbound, phone_key
from hotline.domain.callcenter.calllog import UNKNOWN_AGENT, CallLogInputError
from hotline.domain.callcenter.cdr import OUTBOUND_OUTCOMES
from hotline.domain.detectors import away_from_post, long_busy, missed_callback
from hotline.domain.detectors.finding import Finding
from hotline.domain.inputs import InputError, input_file
from hotline.domain.lifecycle import GuardFailed, LifecycleError, NotAllowed

BATCH = 5000


class AlreadyImported(ValueError):
    """The same file (by content) was imported before."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def agent_findings(
    log: CallLog,
    shifts: Sequence[away_from_post.ShiftSlot] | None = None,
    *,
    callback_window_minutes: int | None = None,
) -> list[Finding]:
    """Run the call-center detectors (long_busy, away_from_post with shifts, missed_callback)
    with the thresholds from settings."""
    limits = settings.HOTLINE_CALLCENTER
    found = long_busy.detect(log, long_busy.LongBusyThresholds(**limits["long_busy"]))
    if shifts:
        away_from_post.load_shifts(log, shifts)
        found += away_from_post.detect(
            log, away_from_post.AwayThresholds(**limits["away_from_post"])
        )
    window = callback_window_minutes or callback_window()
    found += missed_callback.detect(log, window_minutes=window)
    return found


def _add_recorded_callbacks(log: CallLog, zone: ZoneInfo) -> None:
    """Callbacks recorded on the worklist (not in the switch's file) count for missed_callback."""
    span = log.con.execute(
        "SELECT min(entered_at), max(coalesce(ended_at, entered_at)) FROM calls "
        "WHERE outcome = 'abandoned'"
    ).fetchone()
    if not span or span[0] is None:
        return
    first = span[0].replace(tzinfo=zone)
    last = span[1].replace(tzinfo=zone) + timedelta(days=31)
    recorded = Call.objects.filter(
        direction=Call.OUT, entered_at__gte=first, entered_at__lte=last
    ).values_list("call_id", "caller", "outcome", "entered_at")
    add_outbound(
        log,
        [
            (call_id, caller, outcome, at.astimezone(zone).replace(tzinfo=None))
            for call_id, caller, outcome, at in recorded
            if at is not None
        ],
    )


def calllog_import(
    *,
    path: Path,
    fmt: str = "auto",
    actor_name: str = "",
    shifts: Sequence[away_from_post.ShiftSlot] | None = None,
) -> CallLogImport:
    """话务数据导入: store a queue_log or CDR file's calls, agent spans and agent findings.

    A file is imported once (by content); calls already stored from an overlapping file are
    kept as they were and counted. The whole file is read and checked before the first write
    (a fatal problem raises :class:`CallLogInputError`); then everything lands in one
    transaction or nothing does.
    """
    source_field = CallLogImport._meta.get_field("source").max_length or 500
    if len(str(path)) > source_field:
        raise CallLogInputError(f"the file's path is longer than {source_field} characters")
    digest = file_sha256(_readable(path))
    earlier = CallLogImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise AlreadyImported(
            f"{path}: this file was already imported on {earlier.imported_at:%Y-%m-%d %H:%M} "
            f"(as {earlier.source})"
        )
    tz = settings.TIME_ZONE
    log = callcenter.load(path, fmt=fmt, tz=tz)
    zone = ZoneInfo(tz)
    _add_recorded_callbacks(log, zone)
    findings = agent_findings(log, shifts)
    try:
        with transaction.atomic():
            record = CallLogImport.objects.create(
                source=str(path),
                sha256=digest,
                format=log.report.format,
                lines=log.report.lines,
                malformed=log.report.malformed,
                report=log.report.as_dict(),
                imported_at=clock.now(),
                imported_by=actor_name,
            )
            before = Call.objects.count()
            total = _store_calls(log, record, zone) + _store_outbound(log, record, zone)
            record.calls_added = Call.objects.count() - before
            record.calls_already_known = total - record.calls_added
            record.spans_added = _store_spans(log, record, zone)
            AgentFinding.objects.bulk_create(
                _finding_row(finding, record, zone) for finding in findings
            )
            record.save()
    except IntegrityError:
        raise AlreadyImported(f"{path}: this file is being imported by someone else") from None
    return record


def _readable(path: Path) -> Path:
    try:
        return input_file(path)
    except InputError as exc:
        raise CallLogInputError(exc.message, source=path) from None


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.replace(tzinfo=zone) if value is not None else None


def _batches(log: CallLog, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    cursor = log.con.execute(sql)
    while rows := cursor.fetchmany(BATCH):
        yield rows


def _store_calls(log: CallLog, record: CallLogImport, zone: ZoneInfo) -> int:
    total = 0
    sql = (
        "SELECT call_id, queue, caller, outcome, exit_reason, entered_at, answered_at, ended_at, "
        "wait_seconds, talk_seconds, agent, ring_no_answer, first_line FROM calls "
        "ORDER BY entered_at NULLS LAST, call_id"
    )
    for rows in _batches(log, sql):
        total += len(rows)
        Call.objects.bulk_create(
            [
                Call(
                    call_id=row[0],
                    source=record,
                    queue=row[1] or "",
                    caller=row[2] or "",
                    caller_key=phone_key(row[2]),
                    outcome=row[3],
                    exit_reason=row[4] or "",
                    entered_at=_aware(row[5], zone),
                    answered_at=_aware(row[6], zone),
                    ended_at=_aware(row[7], zone),
                    wait_seconds=row[8],
                    talk_seconds=row[9],
                    agent=row[10] or (UNKNOWN_AGENT if row[3] == "answered" else ""),
                    ring_no_answer=row[11],
                    first_line=row[12],
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
    return total


def _store_outbound(log: CallLog, record: CallLogImport, zone: ZoneInfo) -> int:
    """The file's outbound calls (回拨), direction out. Those recorded on the worklist and added
    to the log for the finding are not the file's: they are in the database already."""
    total = 0
    sql = (
        "SELECT call_id, queue, caller, outcome, entered_at, talk_seconds, agent, first_line "
        "FROM outbound_calls WHERE first_line IS NOT NULL ORDER BY entered_at, call_id"
    )
    if not log.has_table("outbound_calls"):
        return 0
    for rows in _batches(log, sql):
        total += len(rows)
        Call.objects.bulk_create(
            [
                Call(
                    call_id=row[0],
                    direction=Call.OUT,
                    source=record,
                    queue=row[1] or "",
                    caller=row[2] or "",
                    caller_key=phone_key(row[2]),
                    outcome=row[3],
                    entered_at=_aware(row[4], zone),
                    talk_seconds=row[5],
                    agent=row[6] or "",
                    first_line=row[7],
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
    return total


def _store_spans(log: CallLog, record: CallLogImport, zone: ZoneInfo) -> int:
    if not log.has_agent_states:
        return 0
    total = 0
    sql = (
        "SELECT agent, state, reason, started_at, ended_at, first_line, end_line "
        "FROM agent_spans ORDER BY agent, started_at"
    )
    for rows in _batches(log, sql):
        total += len(rows)
        AgentStateSpan.objects.bulk_create(
            AgentStateSpan(
                source=record,
                agent=row[0],
                state=row[1],
                reason=row[2] or "",
                started_at=row[3].replace(tzinfo=zone),
                ended_at=row[4].replace(tzinfo=zone),
                first_line=row[5],
                end_line=row[6],
            )
            for row in rows
        )
    return total


def _finding_row(finding: Finding, record: CallLogImport, zone: ZoneInfo) -> AgentFinding:
    return AgentFinding(
        source=record,
        detector=finding.detector,
        severity=finding.severity,
        agent=finding.agent or "",
        day=finding.day,
        started_at=_aware(finding.started_at, zone),
        ended_at=_aware(finding.ended_at, zone),
        minutes=finding.minutes,
        evidence=list(finding.evidence),
        explanation=finding.explanation,
    )


def agent_state_set(*, agent: str, state: str, reason: str = "") -> AgentStateChange:
    """An agent's own 示闲 / 示忙 / 签出. A pause needs one of the configured reasons."""
    if state not in dict(AgentStateChange.STATES):
        raise GuardFailed("state", f"unknown agent state {state!r}")
    if state == AgentStateChange.PAUSED and reason not in AgentStateChange.REASONS:
        raise GuardFailed(
            "reason", f"a pause needs a reason: {', '.join(AgentStateChange.REASONS)}"
        )
    return AgentStateChange.objects.create(
        agent=agent,
        state=state,
        reason=reason if state == AgentStateChange.PAUSED else "",
        at=clock.now(),
    )


class CallNotFound(LifecycleError):
    """No abandoned inbound call with that id."""

    code = "not_found"


class AlreadyReached(GuardFailed):
    """The caller was already reached by a callback: a second record is refused."""

    code = "conflict"

    def __init__(self) -> None:
        super().__init__("call_id", "this caller was already reached by a callback")


# Who may record a callback (the director reads the worklist).
CALLBACK_ROLES = DIALLING_ROLES


def callback_record(*, actor: Any, call_id: str, outcome: str, note: str = "") -> Call:
    """回拨登记: the agent called the number of an abandoned call back. Writes one outbound call
    (direction out, the number dialled, the agent, now) in one transaction.

    Refused, nothing written: a role other than agent or dispatcher (:class:`NotAllowed`), an
    unknown call or one that is not an abandoned inbound call with a number
    (:class:`CallNotFound`), an outcome not in :data:`OUTBOUND_OUTCOMES` or a note over 500
    characters (:class:`GuardFailed`), and a call whose caller was already reached by a callback
    (:class:`AlreadyReached`)."""
    if getattr(actor, "hotline_role", None) not in CALLBACK_ROLES:
        raise NotAllowed("only agents and dispatchers record callbacks")
    if outcome not in OUTBOUND_OUTCOMES:
        raise GuardFailed("outcome", f"must be one of {', '.join(OUTBOUND_OUTCOMES)}")
    note = (note or "").strip()
    if len(note) > 500:
        raise GuardFailed("note", "at most 500 characters")
    with transaction.atomic():
        abandoned = (
            Call.objects.select_for_update()
            .filter(call_id=call_id, direction=Call.IN, outcome="abandoned")
            .exclude(caller_key="")
            .first()
        )
        if abandoned is None:
            raise CallNotFound(f"call_id: no abandoned call {call_id!r} with a number")
        since = abandoned.ended_at or abandoned.entered_at
        reached = Call.objects.filter(
            direction=Call.OUT, caller_key=abandoned.caller_key, outcome="answered"
        )
        if since is not None:
            reached = reached.filter(entered_at__gte=since)
        if reached.exists():
            raise AlreadyReached
        now = clock.now()
        return Call.objects.create(
            call_id=f"callback-{uuid.uuid4().hex}",
            direction=Call.OUT,
            caller=abandoned.caller,
            caller_key=abandoned.caller_key,
            callback_of=abandoned.call_id,
            outcome=outcome,
            entered_at=now,
            agent=actor.username,
            note=note,
        )
