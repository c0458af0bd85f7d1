"""Imported call logs: calls, agent-state spans and the agent findings read from them."""

from __future__ import annotations

from django.db import models


class CallLogImport(models.Model):
    """One imported file (话单/队列日志导入), kept with what was wrong in it."""

    source = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=16)
    lines = models.BigIntegerField(default=0)
    malformed = models.BigIntegerField(default=0)
    calls_added = models.BigIntegerField(default=0)
    calls_already_known = models.BigIntegerField(default=0)
    spans_added = models.BigIntegerField(default=0)
    report = models.JSONField(default=dict)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.format})"


class Call(models.Model):
    """A citizen's call as the queue saw it (来电, ``direction`` in), or a call out to a citizen
    (回拨, ``direction`` out: ``caller`` is the number dialled, ``outcome`` answered / no_answer /
    busy / failed, ``entered_at`` when dialling started). Every inbound figure filters
    ``direction="in"``."""

    IN, OUT = "in", "out"
    DIRECTIONS = [(IN, "来电 inbound"), (OUT, "回拨 outbound")]

    call_id = models.CharField(max_length=64, unique=True)
    direction = models.CharField(max_length=3, choices=DIRECTIONS, default=IN, db_index=True)
    # The caller's number as matched (hotline.domain.callcenter.callbacks.phone_key).
    caller_key = models.CharField(max_length=64, blank=True, db_index=True)
    # For a callback recorded on the agents' worklist: the abandoned call it answers.
    callback_of = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.CharField(max_length=500, blank=True)
    # Blank for a callback recorded on the web (no file).
    source = models.ForeignKey(
        CallLogImport, on_delete=models.PROTECT, related_name="calls", null=True, blank=True
    )
    queue = models.CharField(max_length=64, blank=True)
    caller = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, db_index=True)
    exit_reason = models.CharField(max_length=32, blank=True)
    entered_at = models.DateTimeField(null=True, db_index=True)
    answered_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)
    wait_seconds = models.FloatField(null=True)
    talk_seconds = models.FloatField(null=True)
    agent = models.CharField(max_length=64, blank=True, db_index=True)
    ring_no_answer = models.IntegerField(default=0)
    first_line = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return self.call_id


class AgentStateSpan(models.Model):
    """A stretch of one agent's time in one state (logged_out / ready / paused + reason)."""

    source = models.ForeignKey(CallLogImport, on_delete=models.PROTECT, related_name="spans")
    agent = models.CharField(max_length=64)
    state = models.CharField(max_length=16)
    reason = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    first_line = models.BigIntegerField(null=True)
    end_line = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["agent", "started_at"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.started_at:%Y-%m-%d %H:%M}"


class AgentFinding(models.Model):
    """An agent detector's finding (long_busy / away_from_post), for the supervisors (天眼)."""

    source = models.ForeignKey(CallLogImport, on_delete=models.PROTECT, related_name="findings")
    detector = models.CharField(max_length=32, db_index=True)
    severity = models.CharField(max_length=8)
    agent = models.CharField(max_length=64, db_index=True)
    day = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    ended_at = models.DateTimeField(null=True)
    minutes = models.FloatField(null=True)
    evidence = models.JSONField(default=list)  # line numbers in the source file
    explanation = models.TextField()

    class Meta:
        ordering = ["-day", "agent"]

    def __str__(self) -> str:
        return f"{self.detector} {self.agent} {self.day}"


class AgentStateChange(models.Model):
    """话务员状态: an agent set their own state on the web (示闲 / 示忙 with a reason / 签出).
    Append-only: the current state is the latest row, a day's pauses are the spans between."""

    AVAILABLE, PAUSED, LOGGED_OUT = "available", "paused", "logged_out"
    STATES = [
        (AVAILABLE, "示闲 available"),
        (PAUSED, "示忙 paused"),
        (LOGGED_OUT, "签出 logged out"),
    ]
    REASONS = ["小休 break", "后处理 wrap-up", "培训 training", "会议 meeting", "就餐 meal"]

    agent = models.CharField(max_length=150, db_index=True)
    state = models.CharField(max_length=16, choices=STATES)
    reason = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.reason}"
