from django.urls import path

from binhdan.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("xa/<int:pk>/", views.commune_detail, name="commune_detail"),
    path("xa/<int:pk>/them-thon/", views.village_create, name="village_create"),
    path("thon/<int:pk>/", views.village_detail, name="village_detail"),
    path("to/<int:pk>/", views.team_detail, name="team_detail"),
]
