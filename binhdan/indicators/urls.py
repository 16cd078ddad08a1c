"""Indicators under /chi-tieu/: dashboards (urls_dashboards), teams and emulation (urls_teams), targets and
monthly figures (urls_targets)."""

from django.urls import include, path

app_name = "indicators"

urlpatterns = [
    path("", include("binhdan.indicators.urls_dashboards")),
    path("", include("binhdan.indicators.urls_teams")),
    path("", include("binhdan.indicators.urls_targets")),
]
