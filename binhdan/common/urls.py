from django.urls import path

from binhdan.common import views

app_name = "common"
urlpatterns = [
    path("viec-nen/<uuid:job_id>/", views.job_progress, name="job"),
    path("healthz", views.healthz, name="healthz"),
]
