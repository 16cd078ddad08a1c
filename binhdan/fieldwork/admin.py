from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from binhdan.accounts.admin import AdminOnlyMixin
from binhdan.fieldwork.models import (
    Campaign,
    CommunityClass,
    Mentor,
    Mentorship,
    Team,
    TeamMembership,
    Training,
    Visit,
)


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "village", "formed_on"]
    inlines = [MembershipInline]
    raw_id_fields = ["village"]


@admin.register(CommunityClass)
class CommunityClassAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "audience", "held_on", "place"]
    list_filter = ["kind", "audience"]
    filter_horizontal = ["skills", "instructors"]
    raw_id_fields = ["place", "created_by"]


@admin.register(Campaign)
class CampaignAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "commune", "starts_on", "ends_on", "daily_reporting"]
    filter_horizontal = ["villages", "focus_skills"]
    raw_id_fields = ["commune"]


@admin.register(Training)
class TrainingAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "commune", "held_on"]
    filter_horizontal = ["attendees"]
    raw_id_fields = ["commune"]


class MentorshipInline(admin.TabularInline):
    model = Mentorship
    extra = 0
    raw_id_fields = ["mentee"]


@admin.register(Mentor)
class MentorAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "commune", "started_on", "ended_on"]
    inlines = [MentorshipInline]
    raw_id_fields = ["commune", "user", "resident"]


@admin.register(Visit)
class VisitAdmin(AdminOnlyMixin, admin.ModelAdmin):
    """Visits come from phones; admins read them here, nobody adds them."""

    list_display = ["household", "visited_at", "minutes", "channel", "recorded_by"]
    list_filter = ["channel"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    readonly_fields = [f.name for f in Visit._meta.fields]
