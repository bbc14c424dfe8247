"""Read-mostly admin views of drawing data (changes go through the services and pages)."""

from django.contrib import admin

from sheetflow.drawings.models import (
    Area,
    Blob,
    Discipline,
    Drawing,
    DrawingSet,
    Revision,
    SheetComparison,
)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ["name", "project", "change_seq", "deleted_at", "upstream_uuid"]
    list_select_related = ["project"]
    readonly_fields = ["uuid", "change_seq"]


@admin.register(DrawingSet)
class DrawingSetAdmin(admin.ModelAdmin[DrawingSet]):
    list_display = ["name", "date", "project", "change_seq", "deleted_at"]
    list_select_related = ["project"]
    readonly_fields = ["uuid", "change_seq"]


@admin.register(Drawing)
class DrawingAdmin(admin.ModelAdmin[Drawing]):
    list_display = ["number", "title", "discipline", "status", "project", "change_seq"]
    list_filter = ["status", "is_synced"]
    list_select_related = ["project"]
    search_fields = ["number", "title"]
    raw_id_fields = ["area", "current_revision", "latest_revision"]
    readonly_fields = ["uuid", "change_seq"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin[Revision]):
    list_display = ["drawing", "revision_number", "is_published", "project", "change_seq"]
    list_filter = ["is_published"]
    list_select_related = ["drawing", "project"]
    raw_id_fields = [
        "drawing", "drawing_set", "sheet", "thumbnail", "image", "published_by", "created_by",
    ]  # fmt: skip
    readonly_fields = ["uuid", "change_seq"]


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin[Blob]):
    list_display = ["sha256", "size", "content_type", "created_at"]


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin[Discipline]):
    list_display = ["prefix", "name", "project"]


@admin.register(SheetComparison)
class SheetComparisonAdmin(admin.ModelAdmin[SheetComparison]):
    list_display = ["sha_a", "sha_b", "status", "attempts", "seconds", "requested_at"]
    list_filter = ["status"]
    raw_id_fields = ["overlay", "image_a", "image_b"]
