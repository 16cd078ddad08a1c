from __future__ import annotations

from django.contrib import admin

from binhdan.accounts.admin import ScopedAdminMixin
from binhdan.fieldwork.models import Team, TeamMembership


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "village", "formed_on"]
    inlines = [MembershipInline]
    raw_id_fields = ["village"]
    scope_path = "village"
