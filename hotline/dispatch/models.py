from __future__ import annotations

from django.db import models
from django.db.models import Q


class Area(models.Model):
    """行政区划: a district (区) or a street (街道) under its district."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
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
