from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from binhdan.accounts.admin import AdminOnlyMixin
from binhdan.registry.models import CommuneSettings, Household, Resident, Skill


@admin.register(Household)
class HouseholdAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["head_name", "number", "village", "is_poor", "is_near_poor", "assigned_member"]
    list_filter = ["is_poor", "is_near_poor", "has_elderly", "has_disabled", "no_smart_device"]
    search_fields = ["search_text"]
    raw_id_fields = ["village", "assigned_member"]


@admin.register(Resident)
class ResidentAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["full_name", "birth_year", "gender", "relation", "household"]
    list_filter = ["gender", "relation", "is_disabled"]
    search_fields = ["search_name"]
    raw_id_fields = ["household"]
    readonly_fields = ["citizen_id_masked", "learner_code", "erased_at"]


@admin.register(Skill)
class SkillAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """The national catalogue: admins only (communes choose their own set in the workspace)."""

    list_display = ["name", "code", "domain", "is_core", "position", "active"]
    list_editable = ["is_core", "position", "active"]
    list_filter = ["domain", "is_core", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommuneSettings)
class CommuneSettingsAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["commune", "store_citizen_ids"]
