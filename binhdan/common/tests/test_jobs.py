from django.urls import reverse

from binhdan.common.jobs import job_function, report_progress, start_job
from binhdan.common.models import Job


@job_function("test-count")
def _count(job, *, upto):
    for i in range(upto):
        report_progress(job, done=i + 1, total=upto, message=f"Đã xử lý {i + 1} dòng")
    return {"counted": upto}


@job_function("test-fail")
def _fail(job):
    raise RuntimeError("hỏng")


def test_a_job_reports_progress_and_result(world, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-count", title="Đếm thử", by=world.officer, upto=3)
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent, job.result) == ("done", 3, 3, 100, {"counted": 3})
    client = client_for(world.officer)
    data = client.get(reverse("common:job", args=[job.pk]), HTTP_ACCEPT="application/json").json()
    assert data["status_label"] == "Hoàn tất" and data["percent"] == 100
    assert "Đếm thử" in client.get(reverse("common:job", args=[job.pk])).content.decode()


def test_a_failed_job_says_so(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-fail", title="Lỗi thử", by=world.officer)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "hỏng" in job.message


def test_only_the_starter_sees_a_job(world, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-count", title="Đếm thử", by=world.officer, upto=1)
    assert client_for(world.member_a).get(reverse("common:job", args=[job.pk])).status_code == 404
