"""Supervision cases (线索): the case row is a projection of its append-only events."""

from __future__ import annotations

from django.db import models

from hotline.domain.supervision.cases import CaseState


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

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step of a case; never updated or deleted."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    action = models.CharField(max_length=32)
    actor = models.CharField(max_length=150)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_case_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


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
