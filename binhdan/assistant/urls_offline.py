"""The guides for the field app's offline use (included in assistant.urls under /tro-ly/)."""

from django.urls import path

from binhdan.assistant import views_offline

urlpatterns = [
    path("ngoai-tuyen/huong-dan.json", views_offline.guides_json, name="offline_guides"),
]
