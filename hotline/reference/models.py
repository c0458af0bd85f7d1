"""Reference data models.

They were born in ``workorders`` and ``dispatch`` and moved here so that the spine depends on
reference data and not on the apps built on top of it; the tables kept their names (``db_table``)
so that existing databases move without copying a row.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from hotline.domain.lifecycle import Urgency


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum]


class Category(models.Model):
    """诉求分类; ``parent`` builds the multi-level taxonomy."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)
    # Shown to citizens' apps (Open311 services): what the category covers, search words.
    description = models.TextField(blank=True)
    keywords = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "workorders_category"
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SlaPolicy(models.Model):
    """时限: accept (签收) in working hours and handle (办理) in working days.

    A row without category applies to every category of that urgency.
    """

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    urgency = models.CharField(max_length=16, choices=_choices(Urgency), default=Urgency.NORMAL)
    accept_hours = models.DecimalField(max_digits=6, decimal_places=2)
    handle_days = models.DecimalField(max_digits=6, decimal_places=2)

    class Meta:
        db_table = "workorders_slapolicy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="one_policy_per_pair"),
            models.CheckConstraint(
                condition=models.Q(accept_hours__gt=0, handle_days__gt=0),
                name="sla_positive_limits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.urgency}"


class CalendarDay(models.Model):
    """工作日历调整: a day whose status differs from the installed national schedule, e.g. next
    year's holidays and 调休 days once the State Council publishes them."""

    day = models.DateField(unique=True)
    is_working = models.BooleanField(help_text="上班 (working) or 放假 (day off)")
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "workorders_calendarday"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_working else '放假'} {self.note}"


class Area(models.Model):
    """行政区划: a district (区) or a street (街道) under its district."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        db_table = "dispatch_area"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def path(self) -> list[str]:
        """This area's code and its ancestors', nearest first (street, district)."""
        codes: list[str] = []
        seen: set[int] = set()
        node: Area | None = self
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            codes.append(node.code)
            node = node.parent
        return codes


class CatalogueEntry(models.Model):
    """派单目录: one version of the rule "category × area → lead unit + assisting units".

    Entries are never edited in place: a change writes a new version and retires the old one, so
    the version a dispatch event names always says what the rule was then.
    """

    category = models.CharField(max_length=64, db_index=True)
    area = models.CharField(max_length=64, blank=True, help_text="empty: the whole city")
    lead_unit = models.CharField(max_length=64, help_text="主办单位")
    assist_units = models.JSONField(default=list, blank=True, help_text="协办单位")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "dispatch_catalogueentry"
        ordering = ["category", "area", "-version"]
        verbose_name_plural = "catalogue entries"
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area", "version"], name="one_catalogue_version"
            ),
            models.UniqueConstraint(
                fields=["category", "area"],
                condition=Q(is_current=True),
                name="one_current_catalogue_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.area or '*'} v{self.version} → {self.lead_unit}"


class KnowledgeArticle(models.Model):
    """知识库 article: what agents read out to answer a caller directly."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    category = models.CharField(max_length=64, blank=True, db_index=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "dispatch_knowledgearticle"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="article_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ScoreWeight(models.Model):
    """考核权重: the center's weight for one part of the unit scorecard, a rate
    (``accept_on_time_rate``…, ``conduct_rate``) or a detector's findings (``bounce``…). A part
    without a row keeps its default (hotline.domain.supervision.scorecard)."""

    key = models.CharField(max_length=64, unique=True)
    weight = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="score_weight_gte_0")
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.weight}"
