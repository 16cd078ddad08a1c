from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from binhdan.accounts import access
from binhdan.accounts.admin import ScopedAdminMixin
from binhdan.registry.models import CommuneSettings, Household, Resident, Skill


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["head_name", "number", "village", "is_poor", "is_near_poor", "assigned_member"]
    list_filter = ["is_poor", "is_near_poor", "has_elderly", "has_disabled", "no_smart_device"]
    search_fields = ["search_text"]
    raw_id_fields = ["village", "assigned_member"]
    scope_path = "village"


@admin.register(Resident)
class ResidentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["full_name", "birth_year", "gender", "relation", "household"]
    list_filter = ["gender", "relation", "is_disabled"]
    search_fields = ["search_name"]
    raw_id_fields = ["household"]
    readonly_fields = ["citizen_id_masked", "learner_code", "erased_at"]
    scope_path = "household__village"


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    """The catalogue is data: commune officers and admins edit names, order and the core set."""

    list_display = ["name", "code", "domain", "is_core", "position", "active"]
    list_editable = ["is_core", "position", "active"]
    list_filter = ["domain", "is_core", "active"]

    def _may_edit(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user) or access.has_role(request.user, "commune_officer")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_edit(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_edit(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommuneSettings)
class CommuneSettingsAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["commune", "store_citizen_ids"]
    scope_path = "commune"
