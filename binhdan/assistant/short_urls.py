"""Short links for guides, /g/<code>, for Zalo groups and printed leaflets."""

from django.urls import path

from binhdan.assistant import views

urlpatterns = [path("<str:short>", views.short_link, name="assistant_short_link")]
