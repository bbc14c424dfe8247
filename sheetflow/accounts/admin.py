from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from sheetflow.accounts.models import ApiToken, Company, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin[Company]):
    search_fields = ["name"]


# Django's UserAdmin is typed for AbstractUser; ours is an AbstractBaseUser whose fields are
# all named below, hence Any.
@admin.register(User)
class UserAdmin(BaseUserAdmin[Any]):
    ordering = ["email"]
    list_display = ["email", "full_name", "company", "is_company_admin", "is_active"]
    list_filter = ["is_company_admin", "is_active", "company"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "company", "is_company_admin")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "full_name", "company", "password1", "password2")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["digest", "prefix"]
