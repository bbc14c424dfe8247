from django.contrib import admin

from sheetflow.notifications.models import DistributionList, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["user", "event", "subject", "created_at", "read_at", "email_sent_at"]
    list_filter = ["event"]
    search_fields = ["user__email", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["email_attempts", "email_error", "email_sent_at"]


@admin.register(DistributionList)
class DistributionListAdmin(admin.ModelAdmin[DistributionList]):
    list_display = ["project", "kind", "mode", "updated_at"]
    list_filter = ["kind", "mode"]
    filter_horizontal = ["users"]
