from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hotline.accounts.models import ApiToken, LiaisonScope, Unit, UnitReviewSetting, User
from hotline.accounts.unit_review import unit_review_required, unit_review_set
from hotline.reference.models import Area


class UnitReviewSettingInline(admin.TabularInline):
    """单位审核 history: read here, changed only by the actions (each change a new row)."""

    model = UnitReviewSetting
    extra = 0
    can_delete = False
    fields = ("required", "since", "set_by")
    readonly_fields = fields
    verbose_name = "单位审核设置 unit review setting"
    verbose_name_plural = "单位审核设置（历史） unit review history"

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_active", "reviews_requests")
    search_fields = ("code", "name")
    list_filter = ("is_active",)
    inlines = (UnitReviewSettingInline,)
    actions = ("review_on", "review_off")

    @admin.display(boolean=True, description="单位审核 unit review")
    def reviews_requests(self, unit: Unit) -> bool:
        return unit_review_required(unit.code)

    def _review(self, request: Any, queryset: Any, *, required: bool) -> None:
        for unit in queryset:
            unit_review_set(actor=request.user.username, unit=unit.code, required=required)
        state = "on" if required else "off"
        self.message_user(request, f"unit review {state} for {queryset.count()} unit(s)")

    @admin.action(description="开启单位审核 Turn unit review on")
    def review_on(self, request: Any, queryset: Any) -> None:
        self._review(request, queryset, required=True)

    @admin.action(description="关闭单位审核 Turn unit review off")
    def review_off(self, request: Any, queryset: Any) -> None:
        self._review(request, queryset, required=False)


class LiaisonScopeForm(forms.ModelForm):
    class Meta:
        model = LiaisonScope
        fields = ("unit", "area")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, area = data.get("unit"), (data.get("area") or "").strip()
        if bool(unit) == bool(area):
            raise forms.ValidationError("请选择一个单位，或填写一个区域代码（二选一）。")
        if area and not Area.objects.filter(code=area).exists():
            self.add_error("area", f"没有区域代码 {area}。")
        data["area"] = area
        return data


class LiaisonScopeInline(admin.TabularInline):
    """联络员分管范围: a unit, or an area code (a district takes in its streets); one per row."""

    model = LiaisonScope
    form = LiaisonScopeForm
    extra = 1
    fields = ("unit", "area")
    verbose_name = "联络员分管范围 Liaison scope"
    verbose_name_plural = "联络员分管范围 Liaison scopes (unit or area)"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = (LiaisonScopeInline,)
    list_display = ("username", "first_name", "role", "unit", "is_active")
    list_filter = ("role", "unit", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("热线角色 Hotline role", {"fields": ("role", "unit")}))  # type: ignore[misc]
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("热线角色 Hotline role", {"fields": ("role", "unit")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "revoked")
    readonly_fields = ("digest", "created_at")
