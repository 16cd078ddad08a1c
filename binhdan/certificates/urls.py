"""URLs of certificates, under /chung-nhan/: the workspace, then the public page /chung-nhan/<code>/."""

from django.urls import path

from binhdan.certificates import views

app_name = "certificates"

urlpatterns = [
    path("xa/<int:pk>/", views.commune_classes, name="commune"),
    path("lop/<int:pk>/", views.class_certificates, name="class"),
    path("lop/<int:pk>/cap/", views.class_issue, name="class_issue"),
    path("lop/<int:pk>/tep/", views.class_file, name="class_file"),
    path("giay/<int:pk>/thu-hoi/", views.certificate_revoke, name="certificate_revoke"),
    path("giay/<int:pk>/cap-lai/", views.certificate_reissue, name="certificate_reissue"),
    path("giay/<int:pk>/tep/", views.certificate_file, name="certificate_file"),
    # Public, no sign-in: what the QR code on the paper opens.
    path("<str:code>/", views.verify, name="verify"),
]
