from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hotline.accounts.models import ApiToken, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
