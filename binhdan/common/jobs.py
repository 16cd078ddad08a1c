"""Run long work as a background task while recording progress that pages can poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from binhdan.common.models import Job

logger = logging.getLogger(__name__)

# Registry of job functions by kind; a job function takes (job, **params) and returns a JSON result.
JOB_FUNCTIONS: dict[str, Callable[..., dict[str, Any]]] = {}


def job_function(kind: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        JOB_FUNCTIONS[kind] = func
        return func

    return register


def start_job(*, kind: str, title: str, by: Any = None, **params: Any) -> Job:
    """Create a Job row and enqueue its task once the surrounding transaction commits."""
    if kind not in JOB_FUNCTIONS:
        raise KeyError(f"Không có loại việc '{kind}'.")
    job = Job.objects.create(kind=kind, title=title, created_by=by)
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk), params))
    return job


def report_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    """Store progress; called by job functions every few hundred rows."""
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


@task()
def run_job(job_id: str, params: dict[str, Any]) -> None:
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        result = JOB_FUNCTIONS[job.kind](job, **params)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, message=f"Lỗi: {exc}", finished_at=timezone.now()
        )
        return
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE, result=result or {}, finished_at=timezone.now(), done=job.total or job.done
    )
