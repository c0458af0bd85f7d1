"""Supervision cases (线索): the case row is a projection of its append-only events."""

from __future__ import annotations

from django.db import models

from hotline.domain.supervision.cases import CaseRecord, CaseState


class SupervisionCase(models.Model):
    number = models.CharField(max_length=32, unique=True)
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=16, default=CaseState.OPEN, db_index=True)
    detector = models.CharField(max_length=32, blank=True)  # the finding that opened it
    units = models.JSONField(default=list)  # unit codes concerned
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField()
    confirmed = models.BooleanField(null=True)  # 核实: problem found?
    closed_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step of a case: append-only (triggers) and hash-chained like a work order's events."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=32)
    actor = models.CharField(max_length=150)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_case_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    @classmethod
    def from_record(
        cls, record: CaseRecord, *, case_id: int, prev_hash: str, hash: str
    ) -> CaseEvent:
        """The unsaved row for ``record``; only the event store saves it."""
        return cls(
            case_id=case_id,
            seq=record.seq,
            at=record.at,
            action=str(record.action),
            actor=record.actor,
            data=dict(record.data),
            prev_hash=prev_hash,
            hash=hash,
        )


class CaseNumberCounter(models.Model):
    """Daily sequence for case numbers (XS202611270001), bumped atomically by the event store."""

    day = models.CharField(max_length=8, unique=True)
    last = models.PositiveIntegerField(default=0)


class CaseOrder(models.Model):
    """A work order examined in a case, with the finding (if any) that pointed at it."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="orders")
    order = models.CharField(max_length=32)
    detector = models.CharField(max_length=32, blank=True)
    explanation = models.TextField(blank=True)
    evidence = models.JSONField(default=list)
    attached_by = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="one_order_per_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.order}"


class CaseSanction(models.Model):
    """问责: one person and the measure taken."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="sanctions")
    person = models.CharField(max_length=100)
    unit = models.CharField(max_length=200, blank=True)
    position = models.CharField(max_length=100, blank=True)
    measure = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.person} {self.measure}"
