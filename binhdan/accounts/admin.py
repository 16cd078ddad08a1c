from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from binhdan.accounts import access
from binhdan.accounts.models import AuditEvent, Role, User


class ScopedAdminMixin:
    """Django admin for officers, limited to rows `access` lets them see; admins see everything.

    `scope_path` is the lookup from the model to its village (e.g. "household__village").
    """

    scope_path = "village"
    officer_may_change = True

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return queryset.filter(access.village_scope(request.user, self.scope_path))

    def _is_officer(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user) or access.has_role(
            request.user, "commune_officer", "commune_leader"
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_officer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_officer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.officer_may_change and (
            access.is_admin(request.user) or access.has_role(request.user, "commune_officer")
        )

    has_add_permission = has_change_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)


class AdminOnlyMixin:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


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
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Commune officers read who saw or exported personal data in their commune; nobody edits it."""

    list_display = ["at", "user", "action", "place", "object_type", "object_id", "detail"]
    list_filter = ["action"]
    scope_path = "place"
    officer_may_change = False

    def get_queryset(self, request: HttpRequest):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if access.is_admin(request.user):
            return queryset
        return queryset.filter(access.village_scope(request.user, "place")).exclude(place__isnull=True)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user) or access.has_role(request.user, "commune_officer")

    has_module_permission = has_view_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Registered here: places sits below accounts and cannot ask `access` itself.
from binhdan.accounts import admin_places  # noqa: E402, F401
