from django.urls import path

from binhdan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.SignInView.as_view(), name="login"),
    path("dang-xuat/", views.SignOutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp_verify"),
    path("thiet-lap-xac-thuc/", views.otp_setup, name="otp_setup"),
    path("ma-truy-cap/", views.token_list, name="token_list"),
    path("ma-truy-cap/<int:pk>/thu-hoi/", views.token_revoke, name="token_revoke"),
    path("ma-thiet-lap/", views.enrolment_list, name="enrolment_list"),
    path("ma-thiet-lap/<int:pk>/cap/", views.enrolment_issue, name="enrolment_issue"),
]
