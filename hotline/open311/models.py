"""Open311 GeoReport v2: API keys for other platforms, and the attributes of each service."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from hotline.reference.models import Category

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


def new_key() -> str:
    return secrets.token_urlsafe(24)


class Open311Key(models.Model):
    """An ``api_key`` for POST requests; orders are created as ``account`` (role agent)."""

    name = models.CharField(max_length=100, help_text="who holds the key, e.g. a city app")
    key = models.CharField(max_length=64, unique=True, default=new_key)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Open311 API key"

    def __str__(self) -> str:
        return self.name


class ServiceAttribute(models.Model):
    """An extra question of a service (Open311 service definition attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(max_length=64)
    description = models.CharField(max_length=300)
    datatype = models.CharField(max_length=16, choices=[(d, d) for d in DATATYPES])
    datatype_description = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=False)
    variable = models.BooleanField(default=True)  # false: informational only, no answer
    order = models.PositiveIntegerField(default=1)
    # For the list types: [{"key": "...", "name": "..."}, ...]
    values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="one_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"
