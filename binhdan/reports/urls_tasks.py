"""A commune's plan tasks (Phụ lục nhiệm vụ) and their evidence (views_tasks)."""

from django.urls import path

from binhdan.reports import views_tasks

urlpatterns = [
    path("xa/<int:pk>/nhiem-vu/", views_tasks.task_list, name="tasks"),
    path("xa/<int:pk>/nhiem-vu/them/", views_tasks.task_create, name="task_create"),
    path("xa/<int:pk>/nhiem-vu/nhap/", views_tasks.tasks_import_start, name="tasks_import"),
    path(
        "xa/<int:pk>/nhiem-vu/nhap/xem-truoc/", views_tasks.tasks_import_preview, name="tasks_import_preview"
    ),
    path("nhiem-vu/<int:pk>/", views_tasks.task_detail, name="task_detail"),
    path("nhiem-vu/<int:pk>/sua/", views_tasks.task_edit, name="task_edit"),
    path("nhiem-vu/<int:pk>/trang-thai/", views_tasks.task_status, name="task_status"),
    path("nhiem-vu/<int:pk>/xoa/", views_tasks.task_delete, name="task_delete"),
    path("nhiem-vu/<int:pk>/minh-chung/", views_tasks.evidence_upload, name="evidence_upload"),
    path("minh-chung/<int:pk>/", views_tasks.evidence_download, name="evidence_download"),
    path("minh-chung/<int:pk>/xoa/", views_tasks.evidence_delete, name="evidence_delete"),
]
