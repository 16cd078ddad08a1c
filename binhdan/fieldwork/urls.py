from django.urls import path

from binhdan.fieldwork import views, views_app, views_team
from binhdan.fieldwork import views_workspace as ws

app_name = "fieldwork"
urlpatterns = [
    path("tinh/<int:pk>/", views.province_detail, name="province_detail"),
    path("xa/<int:pk>/", views.commune_detail, name="commune_detail"),
    path("xa/<int:pk>/them-thon/", views.village_create, name="village_create"),
    path("xa/<int:pk>/sap-nhap-thon/", ws.village_merge, name="village_merge"),
    path("xa/<int:pk>/lap-to/", ws.team_create, name="team_create"),
    path("xa/<int:pk>/tap-huan/", ws.training_list, name="training_list"),
    path("xa/<int:pk>/tap-huan/them/", ws.training_create, name="training_create"),
    path("tap-huan/<int:pk>/sua/", ws.training_edit, name="training_edit"),
    path("xa/<int:pk>/buoi-hoc/", ws.class_list, name="class_list"),
    path("xa/<int:pk>/buoi-hoc/them/", ws.class_create, name="class_create"),
    path("buoi-hoc/<int:pk>/", ws.class_detail, name="class_detail"),
    path("buoi-hoc/<int:pk>/sua/", ws.class_edit, name="class_edit"),
    path("buoi-hoc/<int:pk>/diem-danh/", ws.class_attendance, name="class_attendance"),
    path("buoi-hoc/<int:pk>/danh-sach-ky/", ws.class_sign_in_sheet, name="class_sign_in_sheet"),
    path("xa/<int:pk>/dai-su-so/", ws.mentor_list, name="mentor_list"),
    path("xa/<int:pk>/dai-su-so/them/", ws.mentor_create, name="mentor_create"),
    path("dai-su-so/<int:pk>/", ws.mentor_detail, name="mentor_detail"),
    path("dai-su-so/<int:pk>/kem-cap/", ws.mentee_add, name="mentee_add"),
    path("kem-cap/<int:pk>/ket-qua/", ws.mentorship_outcome, name="mentorship_outcome"),
    path("xa/<int:pk>/chien-dich/them/", ws.campaign_create, name="campaign_create"),
    path("chien-dich/<int:pk>/sua/", ws.campaign_edit, name="campaign_edit"),
    path("thon/<int:pk>/", views.village_detail, name="village_detail"),
    path("thon/<int:pk>/doi-ten/", ws.village_rename, name="village_rename"),
    path("thon/<int:pk>/thoi-hoat-dong/", ws.village_close, name="village_close"),
    path("to/<int:pk>/", views.team_detail, name="team_detail"),
    path("to/<int:pk>/them-thanh-vien/", ws.team_member_add, name="team_member_add"),
    path("thanh-vien-to/<int:pk>/roi-to/", ws.team_member_leave, name="team_member_leave"),
    path("to/<int:pk>/phan-cong/", views_team.assignments, name="assignments"),
    path("chien-dich/", views_team.campaign_list, name="campaign_list"),
    path("chien-dich/<int:pk>/", views_team.campaign_detail, name="campaign_detail"),
    path("hien-truong/", views_app.app_shell, name="app"),
    path("hien-truong/sw.js", views_app.service_worker, name="app_sw"),
    path("hien-truong/manifest.webmanifest", views_app.manifest, name="app_manifest"),
]
