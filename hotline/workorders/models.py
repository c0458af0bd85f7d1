from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.conf import settings
from django.db import models

from hotline.domain.events import EventRecord, OrderSnapshot
from hotline.domain.lifecycle import Action, Kind, State, Urgency


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum]


SNAPSHOT_FIELDS = tuple(f.name for f in fields(OrderSnapshot))


class WorkOrder(models.Model):
    """工单: a projection of its events, written only by the services."""

    number = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=24, choices=_choices(State), db_index=True)
    version = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(db_index=True)
    created_by = models.CharField(max_length=150, blank=True, db_index=True)
    channel = models.CharField(max_length=16, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    category = models.CharField(max_length=64, blank=True, db_index=True)
    text = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True)
    area = models.CharField(max_length=64, blank=True, db_index=True)
    urgency = models.CharField(max_length=16, default=Urgency.NORMAL)
    caller_name = models.CharField(max_length=100, blank=True)
    caller_phone = models.CharField(max_length=32, blank=True, db_index=True)
    caller_address = models.CharField(max_length=300, blank=True)
    caller_email = models.CharField(max_length=254, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    call_id = models.CharField(max_length=64, blank=True, db_index=True)
    current_unit = models.CharField(max_length=64, blank=True, db_index=True)
    first_unit = models.CharField(max_length=64, blank=True)
    assist_units = models.JSONField(default=list, blank=True)
    accept_deadline = models.DateTimeField(null=True, blank=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    extension_pending = models.BooleanField(default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    dispatch_count = models.PositiveIntegerField(default=0)
    return_count = models.PositiveIntegerField(default=0)
    urge_count = models.PositiveIntegerField(default=0)
    reached = models.BooleanField(null=True)
    resolved = models.BooleanField(null=True)
    satisfied = models.BooleanField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    merged_into = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # More in migration 0012: a trigram index for the unit lists (PostgreSQL only).
        indexes = [
            models.Index(fields=["current_unit", "state"], name="order_unit_state"),
            models.Index(fields=["category", "state"], name="order_category_state"),
            # The dispatcher's queues: one state, oldest first (migration 0013).
            models.Index(fields=["state", "created_at"], name="order_state_created"),
            # 协办工单: the open orders a unit assists (hotline.workorders.assisting.assisted_by).
            models.Index(
                fields=["state", "handle_deadline"],
                condition=~models.Q(assist_units=[]),
                name="order_assisted_state",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(extension_pending=True),
                name="order_extension_pending",
            ),
            models.Index(
                fields=["closed_at", "id"],
                condition=models.Q(state="closed")
                & ~models.Q(current_unit="")
                & ~models.Q(reached=True),
                name="order_follow_up_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def to_snapshot(self) -> OrderSnapshot:
        values = {name: getattr(self, name) for name in SNAPSHOT_FIELDS}
        values["state"] = State(self.state)
        values["assist_units"] = tuple(self.assist_units or ())
        return OrderSnapshot(**values)

    def set_snapshot(self, snap: OrderSnapshot) -> None:
        for name in SNAPSHOT_FIELDS:
            setattr(self, name, getattr(snap, name))
        self.assist_units = list(snap.assist_units)

    @property
    def is_report(self) -> bool:
        return self.kind == Kind.REPORT


class WorkOrderEvent(models.Model):
    """One append-only, hash-chained event. The database refuses UPDATE and DELETE (triggers)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=32, choices=_choices(Action), db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    unit = models.CharField(max_length=64, blank=True)
    to_unit = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["order_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="one_event_per_seq")]
        indexes = [
            # 回访 tries per order (hotline.workorders.follow_ups): the few follow-up events only.
            models.Index(
                fields=["order", "at"],
                condition=models.Q(action="follow_up"),
                name="event_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.action}"

    @classmethod
    def from_record(
        cls, record: EventRecord, *, order_id: int, prev_hash: str, hash: str
    ) -> WorkOrderEvent:
        """The unsaved row for ``record``; only the event store saves it."""
        return cls(
            order_id=order_id,
            seq=record.seq,
            at=record.at,
            action=str(record.action),
            actor=record.actor,
            unit=record.unit,
            to_unit=record.to_unit,
            data=dict(record.data),
            prev_hash=prev_hash,
            hash=hash,
        )

    def to_record(self, number: str) -> EventRecord:
        return EventRecord(
            order=number,
            seq=self.seq,
            at=self.at,
            action=Action(self.action),
            actor=self.actor,
            unit=self.unit,
            to_unit=self.to_unit,
            data=self.data,
        )


class OrderNumberCounter(models.Model):
    """Daily sequence for readable order numbers (2026112700001)."""

    day = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)


class IdempotencyKey(models.Model):
    """A create request's Idempotency-Key, so a retried request returns the same order."""

    key = models.CharField(max_length=200)
    actor = models.CharField(max_length=150)
    fingerprint = models.CharField(max_length=64)
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="one_order_per_key")]


class PersonalDataAccess(models.Model):
    """Audit of every unmasked read of a caller's personal data (个人信息查看记录)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]


class Attachment(models.Model):
    """附件: evidence a unit attaches to a request (return, extension, closure), stored under
    MEDIA_ROOT; only its checked type, size and SHA-256 are trusted, never the uploader's word."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    seq = models.PositiveIntegerField(help_text="the event it belongs to")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["order_id", "seq", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq} {self.name}"
