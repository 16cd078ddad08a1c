"""Dashboards of a village, a commune and a province, and the list behind a number (`?tai=xlsx` on each
downloads it as a spreadsheet)."""

from django.urls import path

from binhdan.indicators import views

urlpatterns = [
    path("thon/<int:pk>/", views.village, name="village"),
    path("xa/<int:pk>/", views.commune, name="commune"),
    path("tinh/<int:pk>/", views.province, name="province"),
    path("<int:place>/<slug:code>/<str:part>/", views.behind, name="behind"),
]
