"""An import whose workers keep dying fails visibly and can be run again; a re-run never commits twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from binhdan.common.jobs import retry_job, start_job, sweep
from binhdan.common.models import Job
from binhdan.registry import importing
from binhdan.registry.models import ImportBatch

pytestmark = pytest.mark.django_db


def _killed_commit(world, *, attempts: int) -> tuple[ImportBatch, Job]:
    batch = ImportBatch.objects.create(
        commune=world.commune,
        created_by=world.officer,
        filename="ds.xlsx",
        status=ImportBatch.Status.COMMITTING,
    )
    job = start_job(
        kind="registry.import_commit",
        title="Nhập",
        by=world.officer,
        batch_id=str(batch.pk),
        skip_invalid=True,
    )
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, attempts=attempts, started_at=long_ago, heartbeat_at=long_ago,
        worker="another-host:4242",
    )  # fmt: skip
    return batch, job


def test_a_given_up_import_fails_its_batch_and_a_retry_reopens_it(world, settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    batch, job = _killed_commit(world, attempts=3)
    assert sweep()["failed"] == 1
    batch.refresh_from_db()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    # the import page no longer waits for a job that will never finish; it shows why
    assert batch.status == ImportBatch.Status.FAILED
    assert "dừng đột ngột" in batch.summary["failure"]
    retry_job(job, by=world.officer)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTING


def test_a_commit_job_run_again_after_its_commit_stores_nothing_more(world):
    batch = ImportBatch.objects.create(
        commune=world.commune, created_by=world.officer, filename="ds.xlsx",
        status=ImportBatch.Status.COMMITTED, summary={"committed": 12},
    )  # fmt: skip
    job = Job.objects.create(kind="registry.import_commit", title="Nhập", params={"batch_id": str(batch.pk)})
    assert importing._commit_job(job, batch_id=str(batch.pk), skip_invalid=True) == {"committed": 12}
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.summary == {"committed": 12}
