"""Due rules and the province's overview, under /bao-cao/ (namespace `reports`)."""

from django.urls import path

from binhdan.reports import views_deadlines

urlpatterns = [
    path("xa/<int:pk>/han-nop/", views_deadlines.deadlines_page, name="deadlines"),
    path("xa/<int:pk>/han-nop/sua/", views_deadlines.deadline_rules, name="deadline_rules"),
    path("tinh/<int:pk>/", views_deadlines.province_page, name="province"),
]
