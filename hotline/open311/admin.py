from django.contrib import admin

from hotline.open311.models import Open311Key, ServiceAttribute


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "is_active", "created_at", "last_used_at")
    readonly_fields = ("key", "created_at", "last_used_at")
    list_filter = ("is_active",)


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "datatype", "required", "order")
    list_filter = ("datatype", "required")
