from django.urls import path

from binhdan.accounts import views, views_people

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
    path("doi-mat-khau/", views_people.password_change, name="password_change"),
    path("xa/<int:pk>/nguoi-dung/", views_people.people_list, name="people_list"),
    path("xa/<int:pk>/nguoi-dung/moi/", views_people.people_invite, name="people_invite"),
    path("vai-tro/<int:pk>/ket-thuc/", views_people.role_end, name="role_end"),
    path("nguoi-dung/<int:pk>/mat-khau-tam/", views_people.password_reset, name="password_reset"),
]
