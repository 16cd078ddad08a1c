"""The places admin lives here because it asks `access` (places sits below accounts)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from binhdan.accounts import access
from binhdan.places.models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "search_name", "name"]
    raw_id_fields = ["parent", "replaced_by"]

    def get_queryset(self, request: HttpRequest):
        return (
            super().get_queryset(request).filter(pk__in=access.places_visible_to(request.user).values("pk"))
        )

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str):
        from binhdan.common.text import fold

        return super().get_search_results(request, queryset, fold(search_term) or search_term)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_admin(request.user) or access.has_role(
            request.user, "commune_officer", "commune_leader"
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.is_admin(request.user)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission
