"""The questions residents asked: feedback buttons under an answer, the commune's questions page."""

from django.urls import path

from binhdan.assistant import views

urlpatterns = [
    path("gop-y/", views.feedback, name="feedback"),
    path("xa/<int:pk>/cau-hoi/", views.commune_questions, name="commune_questions"),
    path("xa/<int:pk>/cau-hoi/cai-dat/", views.commune_questions_settings, name="commune_questions_settings"),
]
