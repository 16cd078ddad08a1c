"""Reports under /bao-cao/: the reports and their workflow (urls_reports), deadlines and the province's
overview (urls_deadlines), the plan's tasks (urls_tasks)."""

from django.urls import include, path

app_name = "reports"

urlpatterns = [
    path("", include("binhdan.reports.urls_reports")),
    path("", include("binhdan.reports.urls_deadlines")),
    path("", include("binhdan.reports.urls_tasks")),
]
