"""Read-mostly admin views: the lifecycle goes through the services, not through forms here."""

from django.contrib import admin
from django.http import HttpRequest

from sheetflow.connections.models import (
    CompanyConnectionSetting,
    Connection,
    ConnectionEvent,
    SyncRun,
)


class EventInline(admin.TabularInline[ConnectionEvent, Connection]):
    model = ConnectionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "details"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin[Connection]):
    list_display = ["id", "upstream", "downstream", "state", "requested_at", "connected_at"]
    list_filter = ["state", "auto_approved"]
    search_fields = ["upstream__name", "downstream__name", "upstream__code", "downstream__code"]
    list_select_related = ["upstream", "downstream"]
    inlines = [EventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Connection | None = None) -> list[str]:
        return [f.name for f in Connection._meta.fields]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin[SyncRun]):
    list_display = ["connection", "kind", "started_at", "finished_at", "applied", "ok"]
    list_filter = ["kind", "ok"]


@admin.register(CompanyConnectionSetting)
class CompanyConnectionSettingAdmin(admin.ModelAdmin[CompanyConnectionSetting]):
    list_display = ["company", "approval_mode", "updated_by", "updated_at"]
