from django.urls import include, path

from binhdan.assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.chat, name="chat"),
    path("huong-dan/", views.guide_list, name="guide_list"),
    path("huong-dan/<slug:guide_id>/", views.guide_detail, name="guide_detail"),
    path("hoc/", views.learner_home, name="learner_home"),
    path("hoc/thoat/", views.learner_exit, name="learner_exit"),
    path("hoc/kiem-tra/<slug:skill_code>/", views.self_check, name="self_check"),
    path("nguoi-dan/<int:pk>/ma-hoc-vien/", views.issue_code, name="issue_code"),
    path("nguoi-dan/<int:pk>/tien-do/", views.resident_progress, name="resident_progress"),
    # The guides for the field app's offline use (urls_offline) and the questions residents asked (urls_questions).
    path("", include("binhdan.assistant.urls_offline")),
    path("", include("binhdan.assistant.urls_questions")),
]
