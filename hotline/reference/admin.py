"""Admin for reference data: categories, SLA policies, the working calendar, areas, the dispatch
catalogue (派单目录) and the knowledge base (知识库).

A catalogue change never edits a row: saving writes the next version through the service, so
orders keep pointing at the rule that dispatched them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from hotline.domain.lifecycle import GuardFailed
from hotline.reference import services
from hotline.reference.models import (
    Area,
    CalendarDay,
    CatalogueEntry,
    Category,
    KnowledgeArticle,
    SlaPolicy,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


class CatalogueEntryForm(forms.ModelForm):
    assist_units = forms.CharField(
        required=False, help_text="协办单位: unit codes separated by commas"
    )

    class Meta:
        model = CatalogueEntry
        fields = ("category", "area", "lead_unit", "assist_units", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["assist_units"] = ", ".join(self.instance.assist_units)

    def clean_assist_units(self) -> list[str]:
        raw = self.cleaned_data.get("assist_units") or ""
        return [code.strip() for code in raw.replace("，", ",").split(",") if code.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.catalogue_entry_check(
                category=data.get("category") or "",
                area=data.get("area") or "",
                lead_unit=data.get("lead_unit") or "",
                assist=data.get("assist_units") or [],
            )
        except GuardFailed as exc:
            raise forms.ValidationError({exc.field: exc.message}) from None
        return data

    def _post_clean(self) -> None:
        # The service checks the references and writes the version; skip the model's own
        # validation, which would reject the "duplicate" current entry about to be retired.
        pass


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(admin.ModelAdmin):
    form = CatalogueEntryForm
    list_display = ("category", "area", "lead_unit", "version", "is_current", "created_by")
    list_filter = ("is_current", "category")
    search_fields = ("category", "area", "lead_unit")
    readonly_fields = ("version", "is_current", "created_at", "created_by", "retired_at")
    actions = ["retire"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CatalogueEntry, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        saved = services.catalogue_entry_save(
            actor=request.user.get_username(),
            category=data["category"],
            area=data.get("area") or "",
            lead_unit=data["lead_unit"],
            assist_units=data.get("assist_units") or [],
            note=data.get("note") or "",
        )
        obj.pk = saved.pk

    @admin.action(description="Retire the selected entries (停用)")
    def retire(self, request: HttpRequest, queryset: Any) -> None:
        for entry in queryset.filter(is_current=True):
            services.catalogue_entry_retire(actor=request.user.get_username(), entry=entry)


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "valid_from", "valid_to", "is_active", "updated_at")
    list_filter = ("is_active", "category")
    search_fields = ("title", "body")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_working", "note")
    list_filter = ("is_working",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("category", "urgency", "accept_hours", "handle_days")
    list_filter = ("urgency",)
