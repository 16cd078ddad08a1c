"""URLs of programmes: the programme views of a commune and its mobilisation drives (/chuong-trinh/)."""

from django.urls import path

from binhdan.programmes import views

app_name = "programmes"

urlpatterns = [
    path("xa/<int:pk>/", views.programme_index, name="index"),
    path("xa/<int:pk>/van-dong/moi/", views.drive_create, name="drive_create"),
    path("xa/<int:pk>/<slug:slug>/", views.programme_detail, name="detail"),
    path("van-dong/<int:pk>/", views.drive_detail, name="drive_detail"),
    path("van-dong/<int:pk>/ket-qua/", views.drive_results, name="drive_results"),
    path("van-dong/<int:pk>/giay-moi/", views.drive_slips, name="drive_slips"),
]
