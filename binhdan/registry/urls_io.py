from django.urls import path

from binhdan.registry import views_io

urlpatterns = [
    path("nhap/", views_io.import_start, name="import_start"),
    path("nhap/<uuid:pk>/", views_io.import_batch, name="import_batch"),
    path("nhap/<uuid:pk>/chon-cot/", views_io.import_mapping, name="import_mapping"),
    path("nhap/<uuid:pk>/xac-nhan/", views_io.import_confirm, name="import_confirm"),
    path("nhap/<uuid:pk>/gia-tri/", views_io.import_values, name="import_values"),
    path("nhap/<uuid:pk>/huy/", views_io.import_discard, name="import_discard"),
    path("nhap/<uuid:pk>/loi.xlsx", views_io.import_errors, name="import_errors"),
    path("xuat/", views_io.export, name="export"),
    path("nguoi-dan/<int:pk>/du-lieu/", views_io.resident_data, name="resident_data"),
    path("nguoi-dan/<int:pk>/xoa/", views_io.resident_erase, name="resident_erase"),
    path("nhat-ky/", views_io.audit_log, name="audit_log"),
]
