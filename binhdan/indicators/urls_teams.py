"""Team and member quotas, emulation leaderboards and campaign mode (views_teams)."""

from django.urls import path

from binhdan.indicators import views_teams

urlpatterns = [
    path("xa/<int:pk>/to/", views_teams.teams, name="teams"),
    path("thon/<int:pk>/to/", views_teams.village_teams, name="village_teams"),
    path("xa/<int:pk>/thi-dua/", views_teams.leaderboard, name="leaderboard"),
    path("chien-dich/<int:pk>/", views_teams.campaign, name="campaign"),
    path("chien-dich/<int:pk>/ban-in/", views_teams.campaign_print, name="campaign_print"),
]
