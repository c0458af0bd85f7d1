"""Admin: orders and events are read-only (services write them); reference data is edited in
the reference app's admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.workorders.models import PersonalDataAccess, WorkOrder, WorkOrderEvent
from hotline.workorders.selectors import caller_masked, event_data_shown


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MaskedDataAdmin(admin.options.BaseModelAdmin):
    @admin.display(description="data")
    def masked_data(self, event: WorkOrderEvent) -> dict[str, Any]:
        """Event data with the caller masked: unmasking goes through the API, where it is logged.
        Only the create event carries a caller, so only it needs the order."""
        if "caller" not in event.data:
            return dict(event.data)
        return event_data_shown(event, caller_masked(event.order))


class EventInline(MaskedDataAdmin, admin.TabularInline):
    model = WorkOrderEvent
    fields = ("seq", "at", "action", "actor", "unit", "to_unit", "masked_data", "hash")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "state", "kind", "category", "current_unit", "created_at")
    list_filter = ("state", "kind", "channel", "urgency")
    search_fields = ("number", "text")
    # Unmasking goes through the API, where every reveal is logged.
    exclude = ("caller_name", "caller_phone", "caller_address", "caller_email")
    inlines = [EventInline]


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(MaskedDataAdmin, ReadOnlyAdmin):
    list_display = ("order", "seq", "at", "action", "actor", "unit", "to_unit")
    list_filter = ("action",)
    search_fields = ("order__number", "actor")
    fields = (
        *("order", "seq", "at", "action", "actor", "unit", "to_unit"),
        *("masked_data", "prev_hash", "hash"),
    )
    readonly_fields = fields


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "order", "purpose")
