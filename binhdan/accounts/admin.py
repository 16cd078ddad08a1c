from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from binhdan.accounts import access
from binhdan.accounts.models import AuditEvent, Role, User


class AdminOnlyMixin:
    """The Django admin is for system admins only (SPEC §3): every permission asks `access.is_admin`.

    Officers, leaders and members work in the product's own screens; `AdminClosedMiddleware` answers
    404 for the whole admin to anyone else, and these checks hold even if the middleware were removed.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["place"]


@admin.register(User)
class UserAdmin(AdminOnlyMixin, BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "full_name", "phone", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Thông tin thêm", {"fields": ("full_name", "phone")}))


@admin.register(AuditEvent)
class AuditEventAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """Admins read the audit log; nobody edits or deletes it."""

    list_display = ["at", "user", "action", "place", "object_type", "object_id", "detail"]
    list_filter = ["action"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Registered here: places sits below accounts and cannot ask `access` itself.
from binhdan.accounts import admin_places  # noqa: E402, F401
