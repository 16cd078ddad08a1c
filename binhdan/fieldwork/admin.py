from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from binhdan.accounts.admin import ScopedAdminMixin
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
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "village", "formed_on"]
    inlines = [MembershipInline]
    raw_id_fields = ["village"]
    scope_path = "village"


@admin.register(CommunityClass)
class CommunityClassAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "audience", "held_on", "place"]
    list_filter = ["kind", "audience"]
    filter_horizontal = ["skills", "instructors"]
    raw_id_fields = ["place", "created_by"]
    scope_path = "place"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommunityClass]:
        return admin.ModelAdmin.get_queryset(self, request).filter(
            pk__in=CommunityClass.objects.visible_to(request.user)
        )


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "commune", "starts_on", "ends_on", "daily_reporting"]
    filter_horizontal = ["villages", "focus_skills"]
    raw_id_fields = ["commune"]
    scope_path = "commune"


@admin.register(Training)
class TrainingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "commune", "held_on"]
    filter_horizontal = ["attendees"]
    raw_id_fields = ["commune"]
    scope_path = "commune"


class MentorshipInline(admin.TabularInline):
    model = Mentorship
    extra = 0
    raw_id_fields = ["mentee"]


@admin.register(Mentor)
class MentorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "commune", "started_on", "ended_on"]
    inlines = [MentorshipInline]
    raw_id_fields = ["commune", "user", "resident"]
    scope_path = "commune"


@admin.register(Visit)
class VisitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Visits come from phones; officers read them here, nobody edits them."""

    list_display = ["household", "visited_at", "minutes", "channel", "recorded_by"]
    list_filter = ["channel"]
    scope_path = "household__village"
    officer_may_change = False
    readonly_fields = [f.name for f in Visit._meta.fields]
