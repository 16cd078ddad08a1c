from django.urls import path

from binhdan.fieldwork import views, views_app, views_team

app_name = "fieldwork"
urlpatterns = [
    path("xa/<int:pk>/", views.commune_detail, name="commune_detail"),
    path("xa/<int:pk>/them-thon/", views.village_create, name="village_create"),
    path("thon/<int:pk>/", views.village_detail, name="village_detail"),
    path("to/<int:pk>/", views.team_detail, name="team_detail"),
    path("to/<int:pk>/phan-cong/", views_team.assignments, name="assignments"),
    path("chien-dich/", views_team.campaign_list, name="campaign_list"),
    path("chien-dich/<int:pk>/", views_team.campaign_detail, name="campaign_detail"),
    path("hien-truong/", views_app.app_shell, name="app"),
    path("hien-truong/sw.js", views_app.service_worker, name="app_sw"),
    path("hien-truong/manifest.webmanifest", views_app.manifest, name="app_manifest"),
]
