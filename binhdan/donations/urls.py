"""URLs of Chắp cánh công nghệ, under /chap-canh/."""

from django.urls import path

from binhdan.donations import views

app_name = "donations"

urlpatterns = [
    path("xa/<int:pk>/", views.donation_list, name="list"),
    path("xa/<int:pk>/them/", views.donation_create, name="donation_create"),
    path("xa/<int:pk>/nha-tai-tro/", views.donor_list, name="donors"),
    path("xa/<int:pk>/nha-tai-tro/them/", views.donor_create, name="donor_create"),
    path("nha-tai-tro/<int:pk>/sua/", views.donor_edit, name="donor_edit"),
    path("xa/<int:pk>/tham-lai/", views.follow_ups, name="follow_ups"),
    path("trao-tang/<int:pk>/tham-lai/", views.follow_up_record, name="follow_up_record"),
]
