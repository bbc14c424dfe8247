from django.contrib import admin

from sheetflow.projects.models import Project, ProjectMember


class MemberInline(admin.TabularInline[ProjectMember, Project]):
    model = ProjectMember
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ["code", "name", "company", "is_active"]
    list_filter = ["is_active", "company"]
    search_fields = ["name", "code"]
    inlines = [MemberInline]
