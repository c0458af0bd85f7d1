"""The transactional outbox: a message row is written with the event that causes it."""

from __future__ import annotations

from django.db import models

from hotline.workorders.models import WorkOrderEvent


class OutboxMessage(models.Model):
    PENDING, SENT, FAILED = "pending", "sent", "failed"

    event = models.ForeignKey(WorkOrderEvent, on_delete=models.PROTECT, related_name="outbox")
    channel = models.CharField(max_length=16)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=8, default=PENDING, choices=[(s, s) for s in (PENDING, SENT, FAILED)]
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One message per event and channel: a retried write can never send twice.
            models.UniqueConstraint(fields=["event", "channel"], name="one_message_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} for event {self.event_id} ({self.status})"

    @property
    def dedupe_key(self) -> str:
        """Stable across retries and processes, for back ends that de-duplicate too."""
        return f"event-{self.event_id}-{self.channel}"
