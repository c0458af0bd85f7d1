from django.contrib import admin

from hotline.callcenter.models import AgentFinding, AgentStateSpan, Call, CallLogImport


@admin.register(CallLogImport)
class CallLogImportAdmin(admin.ModelAdmin):
    list_display = ("source", "format", "lines", "malformed", "calls_added", "imported_at")
    readonly_fields = [f.name for f in CallLogImport._meta.fields]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = (
        "call_id",
        "direction",
        "queue",
        "outcome",
        "entered_at",
        "wait_seconds",
        "agent",
    )
    list_filter = ("direction", "outcome", "queue")
    search_fields = ("call_id", "agent")
    # 个人信息: the caller's number (and its matching key) stays out of the admin.
    exclude = ("caller", "caller_key")


@admin.register(AgentStateSpan)
class AgentStateSpanAdmin(admin.ModelAdmin):
    list_display = ("agent", "state", "reason", "started_at", "ended_at")
    list_filter = ("state",)
    search_fields = ("agent",)


@admin.register(AgentFinding)
class AgentFindingAdmin(admin.ModelAdmin):
    list_display = ("detector", "severity", "agent", "day", "minutes")
    list_filter = ("detector", "severity")
    search_fields = ("agent", "explanation")
