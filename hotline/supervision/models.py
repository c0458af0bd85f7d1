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
    assignee = models.CharField(max_length=150, blank=True)  # 承办人 (a supervisor's username)
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
    measure = models.CharField(max_length=32)  # 问责方式 (stored names of before kept as they were)
    severity = models.CharField(max_length=8, blank=True)  # 轻处分 / 重处分 for 党纪政务处分
    at = models.DateTimeField(null=True, blank=True)  # when the 问责 step was recorded

    def __str__(self) -> str:
        return f"{self.person} {self.measure}"


class RectificationNotice(models.Model):
    """整改通知 to one unit of a case, and the unit lead's 整改报告 once it comes."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="notices")
    seq = models.PositiveIntegerField()  # the notice's event
    unit = models.CharField(max_length=64, db_index=True)
    deadline = models.DateField()
    requirements = models.TextField()
    notified_by = models.CharField(max_length=150)
    notified_at = models.DateTimeField()
    report = models.TextField(blank=True)
    reported_by = models.CharField(max_length=150, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_seq = models.PositiveIntegerField(null=True, blank=True)
    late = models.BooleanField(null=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit} by {self.deadline}"


class CaseAttachment(models.Model):
    """A file backing a case step (核实, 整改报告), sealed by the event that carries it."""

    case = models.ForeignKey(SupervisionCase, on_delete=models.PROTECT, related_name="files")
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="case-attachments/%Y/%m/")
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "seq", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.name}"


class Circular(models.Model):
    """通报: a document naming cases and findings, composed as a draft and then published to the
    units it names. A published circular is sealed: the database refuses to change or delete it
    (:mod:`hotline.eventstore.guard`), and the services refuse before it gets there."""

    DRAFT, PUBLISHED = "draft", "published"

    number = models.CharField(max_length=64, unique=True)  # 文号, e.g. 热线纪通〔2026〕3号
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=100)
    issued_on = models.DateField()
    addressee = models.CharField(max_length=200)
    opening = models.TextField()
    closing = models.TextField()
    # The numbered parts, as edited: [{"heading": ..., "paragraphs": [...]}, ...]
    sections = models.JSONField(default=list)
    cases = models.JSONField(default=list)  # case numbers, in the order chosen
    # Findings chosen: [{"order", "detector", "unit", "explanation"}, ...] in the order chosen
    findings = models.JSONField(default=list)
    units = models.JSONField(default=list)  # unit codes named
    state = models.CharField(max_length=16, default=DRAFT, db_index=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CircularUnit(models.Model):
    """A unit a published circular names, written when it is published; append-only."""

    circular = models.ForeignKey(Circular, on_delete=models.PROTECT, related_name="named")
    unit = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circular", "unit"], name="one_unit_per_circular")
        ]

    def __str__(self) -> str:
        return f"{self.circular_id}: {self.unit}"
