"""The report pages under /bao-cao/ (namespace `reports`)."""

from django.urls import path

from binhdan.reports import views_reports as views

urlpatterns = [
    path("", views.index, name="index"),
    path("xa/<int:pk>/", views.commune_reports, name="commune"),
    path("xa/<int:pk>/lap-bao-cao/", views.report_create, name="create"),
    path("xa/<int:pk>/cot-bao-cao/", views.report_columns, name="columns"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/sua/", views.report_edit, name="edit"),
    path("<int:pk>/cap-nhat-so-lieu/", views.report_refresh, name="refresh"),
    path("<int:pk>/nop/", views.report_submit, name="submit"),
    path("<int:pk>/duyet/", views.report_decide, name="decide"),
    path("<int:pk>/phien-ban-moi/", views.report_new_version, name="new_version"),
    path("<int:pk>/tai/<str:fmt>/", views.report_download, name="download"),
]
