"""A commune's targets, monthly figures and own indicators (views_targets)."""

from django.urls import path

from binhdan.indicators import views_targets

urlpatterns = [
    path("xa/<int:pk>/chi-tieu-cua-xa/", views_targets.targets, name="targets"),
    path("xa/<int:pk>/so-lieu-thang/", views_targets.monthly, name="monthly"),
    path("xa/<int:pk>/chi-tieu-rieng/them/", views_targets.own_indicator_new, name="own_indicator_new"),
    path(
        "xa/<int:pk>/chi-tieu-rieng/<int:indicator>/",
        views_targets.own_indicator_edit,
        name="own_indicator_edit",
    ),
]
