"""The places admin lives here because it asks `access` (places sits below accounts)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from binhdan.accounts.admin import AdminOnlyMixin
from binhdan.places.models import Place


@admin.register(Place)
class PlaceAdmin(AdminOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "search_name", "name"]
    raw_id_fields = ["parent", "replaced_by"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str):
        from binhdan.common.text import fold

        return super().get_search_results(request, queryset, fold(search_term) or search_term)
