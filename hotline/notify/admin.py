from django.contrib import admin

from hotline.notify.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel")
    exclude = ("recipient",)  # 个人信息: phone numbers and e-mail stay out of the list
    readonly_fields = ("event", "channel", "subject", "body", "created_at", "sent_at")
