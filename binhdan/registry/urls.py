from django.urls import include, path

from binhdan.registry import views, views_settings

app_name = "registry"
urlpatterns = [
    path("ho/", views.household_list, name="household_list"),
    path("ho/them/", views.household_create, name="household_create"),
    path("ho/<int:pk>/", views.household_detail, name="household_detail"),
    path("ho/<int:pk>/sua/", views.household_edit, name="household_edit"),
    path("ho/<int:pk>/roi-so/", views.household_left, name="household_left"),
    path("ho/<int:pk>/hoan-tac-roi-so/", views.household_undo_left, name="household_undo_left"),
    path("ho/<int:household_pk>/them-nguoi/", views.resident_create, name="resident_create"),
    path("nguoi-dan/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("nguoi-dan/<int:pk>/sua/", views.resident_edit, name="resident_edit"),
    path("nguoi-dan/<int:pk>/roi-so/", views.resident_left, name="resident_left"),
    path("nguoi-dan/<int:pk>/hoan-tac-roi-so/", views.resident_undo_left, name="resident_undo_left"),
    path("nguoi-dan/<int:pk>/ghi-nhan/", views.resident_observe, name="resident_observe"),
    path("nguoi-dan/<int:pk>/dong-y/", views.resident_consent, name="resident_consent"),
    path("xa/<int:pk>/ky-nang/", views_settings.catalogue_page, name="catalogue"),
    path("xa/<int:pk>/ky-nang/co-ban/", views_settings.catalogue_core, name="catalogue_core"),
    path("xa/<int:pk>/ky-nang/an/", views_settings.catalogue_hidden, name="catalogue_hidden"),
    path("xa/<int:pk>/ky-nang/them/", views_settings.catalogue_add, name="catalogue_add"),
    path("ky-nang/<int:pk>/sua/", views_settings.catalogue_edit, name="catalogue_edit"),
    path("xa/<int:pk>/thiet-lap/", views_settings.commune_settings, name="commune_settings"),
    path("", include("binhdan.registry.urls_io")),
]
