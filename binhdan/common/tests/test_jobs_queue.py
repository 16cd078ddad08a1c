"""The job queue's safety net: lost messages sent again, dead workers' jobs re-run, then failed visibly and
retried; a message delivered twice runs a job once (common/jobs.py)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from binhdan.common import jobs
from binhdan.common.jobs import job_function, report_progress, retry_job, start_job, sweep
from binhdan.common.models import Job

runs: list[str] = []
hooks: list[tuple[str, str]] = []


@job_function(
    "test-queue-count",
    on_failure=lambda job: hooks.append(("failed", str(job.pk))),
    on_retry=lambda job: hooks.append(("retried", str(job.pk))),
)
def _count(job, *, upto):
    runs.append(str(job.pk))
    for i in range(upto):
        report_progress(job, done=i + 1, total=upto)
    return {"counted": upto}


@pytest.fixture(autouse=True)
def _clear():
    runs.clear()
    hooks.clear()


def _lost(by, **params) -> Job:
    """A job whose message never reached the queue (the process died right after the commit)."""
    job = start_job(kind="test-queue-count", title="Đếm thử", by=by, **params)  # no on-commit: never sent
    return job


def _dead(job: Job, *, attempts: int, worker: str = "another-host:4242") -> Job:
    """The job as a worker left it when it was killed mid-run, a few minutes ago."""
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempts=attempts,
        started_at=long_ago,
        heartbeat_at=long_ago,
        worker=worker,
    )
    job.refresh_from_db()
    return job


def test_a_lost_message_is_sent_again_once_it_is_overdue(world, django_capture_on_commit_callbacks):
    job = _lost(world.officer, upto=2)
    assert sweep() == {"resent": 0, "rerun": 0, "failed": 0}  # not overdue yet
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep(now=timezone.now() + dt.timedelta(seconds=61))
    job.refresh_from_db()
    assert counts["resent"] == 1 and runs == [str(job.pk)]
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 1, {"counted": 2})


def test_a_message_delivered_twice_runs_the_job_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-queue-count", title="Đếm thử", by=world.officer, upto=1)
    jobs.run_job.call(str(job.pk))  # the same message again (a resend that crossed the original)
    job.refresh_from_db()
    assert runs == [str(job.pk)] and job.attempts == 1 and job.status == Job.Status.DONE


def test_the_params_stay_on_the_row_and_ids_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-queue-count", title="Đếm thử", by=world.officer, upto=1)
    job.refresh_from_db()
    assert job.params == {"upto": 1} and job.enqueued_at is not None and job.started_at is not None
    assert job.worker == jobs.worker_id() and job.heartbeat_at >= job.started_at


def test_a_dead_workers_job_is_run_again_from_the_start(world, django_capture_on_commit_callbacks):
    job = _dead(_lost(world.officer, upto=3), attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep()
    job.refresh_from_db()
    assert counts == {"resent": 0, "rerun": 1, "failed": 0}
    assert (job.status, job.attempts, job.done, job.total) == (Job.Status.DONE, 2, 3, 3)


def test_a_slow_worker_still_alive_on_this_machine_is_left_alone(world):
    job = _dead(_lost(world.officer, upto=1), attempts=1, worker=f"{socket.gethostname()}:{os.getpid()}")
    assert sweep() == {"resent": 0, "rerun": 0, "failed": 0}
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_a_dead_process_on_this_machine_is_noticed(world, django_capture_on_commit_callbacks):
    gone = 2**22 + 12345  # above the kernel's default pid_max: no such process
    job = _dead(_lost(world.officer, upto=1), attempts=1, worker=f"{socket.gethostname()}:{gone}")
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["rerun"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_after_the_last_attempt_the_job_fails_visibly_and_its_owner_can_retry(
    world, client_for, django_capture_on_commit_callbacks
):
    job = _dead(_lost(world.officer, upto=2), attempts=3)
    assert sweep() == {"resent": 0, "rerun": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "dừng đột ngột 3 lần" in job.message and "Chạy lại" in job.message
    assert hooks == [("failed", str(job.pk))] and runs == []
    assert sweep() == {"resent": 0, "rerun": 0, "failed": 0}  # failed stays failed

    page = client_for(world.officer).get(reverse("common:job", args=[job.pk])).content.decode()
    assert "Chạy lại" in page
    with pytest.raises(PermissionDenied):
        retry_job(job, by=world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        retry_job(job, by=world.officer)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == (Job.Status.DONE, 1, {"counted": 2})
    assert hooks[-1] == ("retried", str(job.pk)) and runs == [str(job.pk)]


def test_the_retry_button_posts_to_the_job_page(world, client_for, django_capture_on_commit_callbacks):
    job = _dead(_lost(world.officer, upto=1), attempts=3)
    sweep()
    url = reverse("common:job", args=[job.pk])
    assert client_for(world.member_a).post(url, {"action": "retry"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(world.officer).post(url, {"action": "retry"})
    assert answer.status_code == 302 and answer["Location"] == url
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    # A job that is not failed is not run again.
    assert client_for(world.officer).post(url, {"action": "retry"}).status_code == 302
    assert runs == [str(job.pk)]


def test_a_worker_given_up_for_dead_cannot_overwrite_the_rerun(world):
    job = _lost(world.officer, upto=1)
    first = jobs.claim(job.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # the sweeper gave the first up
    second = jobs.claim(job.pk)
    assert (first.attempts, second.attempts) == (1, 2)
    report_progress(first, done=9, total=9)  # the first run was only slow: its writes go nowhere
    assert not jobs._finish(first, status=Job.Status.DONE)
    assert jobs._finish(second, status=Job.Status.DONE)
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == (Job.Status.DONE, 0, 2)


@pytest.mark.django_db(transaction=True)
def test_progress_reported_inside_a_transaction_is_written_by_the_heartbeat(django_user_model):
    job = Job.objects.create(kind="test-queue-count", title="Đếm thử")
    job = jobs.claim(job.pk)
    heartbeat = jobs.Heartbeat(job, interval=30)  # woken by the progress, long before 30 s
    jobs._HEARTBEATS[job.pk] = heartbeat
    heartbeat.start()
    try:
        with transaction.atomic():
            report_progress(job, done=5, total=10, message="Đang ghi")
            for _ in range(200):
                if heartbeat.beats:
                    break
                time.sleep(0.02)
            assert heartbeat.beats >= 1
    finally:
        jobs._stop(heartbeat)
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (5, 10, "Đang ghi")


@pytest.mark.django_db(transaction=True)
def test_jobs_worker_runs_the_database_queue(django_user_model):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        job = start_job(kind="test-queue-count", title="Đếm thử", upto=4)
        assert Job.objects.get(pk=job.pk).task_id  # sent to the database queue, not run yet
        call_command("jobs_worker", burst=True, sweep_interval=0, verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.done, job.result) == (Job.Status.DONE, 4, {"counted": 4})


def test_a_broker_that_is_down_leaves_the_job_queued_for_the_sweeper(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(type(jobs.run_job), "enqueue", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test-queue-count", title="Đếm thử", by=world.officer, upto=1)  # no error
    job.refresh_from_db()
    assert (job.status, job.task_id, runs) == (Job.Status.QUEUED, "", [])
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now=timezone.now() + dt.timedelta(minutes=2))["resent"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and runs == [str(job.pk)]
