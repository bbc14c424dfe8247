from django.contrib import admin

from sheetflow.webhooks.models import Delivery, Endpoint, Event


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin[Endpoint]):
    list_display = ("url", "project", "is_active", "failing_since", "created_at")
    list_filter = ("is_active",)
    # The signing secret never shows, not even to staff.
    exclude = ("secret",)
    raw_id_fields = ("project", "created_by")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("uuid", "type", "project", "created_at")
    list_filter = ("type",)
    raw_id_fields = ("project",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ("event", "endpoint", "status", "attempts", "response_code", "next_attempt_at")
    list_filter = ("status",)
    raw_id_fields = ("event", "endpoint")
