"""Run long work as a background task while recording progress that pages can poll.

The queue (django-tasks: the database backend embedded, RQ on Redis in production) only carries a
message "run job <id>"; everything else about a job is its `Job` row in the database, so that:

- a lost message (the broker restarted, the process died between the commit and the send) is sent
  again: `sweep` re-sends a job still queued `JOBS_PENDING_SECONDS` after it was sent, unless the
  backend still holds the message;
- a dead worker (SIGKILL, out of memory, the machine rebooted) is noticed: a running job writes
  `heartbeat_at` every `JOBS_HEARTBEAT_SECONDS` from a thread of its own (and with each progress
  report); `sweep` re-queues a job whose heartbeat is older than `JOBS_STALE_SECONDS` (and whose
  process is gone, when it ran on this machine), up to `JOBS_MAX_ATTEMPTS` starts; after that the job
  is failed with a Vietnamese message and can be run again with `retry_job`;
- a message delivered twice runs the job once: a worker takes a job only by moving it from queued to
  running in one UPDATE (`attempts` + 1), and a worker that was given up for dead can no longer write
  the job's progress or result (every write names the attempt it belongs to).

Job functions must be safe to run again after a crash: write in one transaction, or check what is
already stored (the import commits in one transaction; the report file is cached once per version).
`manage.py jobs_worker` runs a worker for the configured backend and the sweeper.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from binhdan.common.models import Job

logger = logging.getLogger(__name__)

JobFunction = Callable[..., dict[str, Any]]
JobHook = Callable[[Job], None]

# Registry of job functions by kind; a job function takes (job, **params) and returns a JSON result.
JOB_FUNCTIONS: dict[str, JobFunction] = {}

# Steps that higher apps want run over and over in the background (the indicators' rollups catching up
# with the write path): `jobs_worker` runs each every `--periodic-interval` seconds, one after another.
# A step must be safe to run in several workers at once and to be stopped at any point.
PERIODIC_STEPS: dict[str, Callable[[], Any]] = {}


def register_periodic(name: str, step: Callable[[], Any]) -> None:
    """Run `step()` in every `jobs_worker`'s background loop (from a higher app's `AppConfig.ready()`)."""
    PERIODIC_STEPS[name] = step


def run_periodic() -> dict[str, Any]:
    """Run every periodic step once; a failing step is logged and the others still run."""
    results: dict[str, Any] = {}
    for name, step in PERIODIC_STEPS.items():
        try:
            results[name] = step()
        except Exception:  # the database restarting: the next round tries again
            logger.warning("periodic step %s failed", name, exc_info=True)
            results[name] = None
    return results


@dataclass(frozen=True)
class JobHooks:
    """What a kind's owner does when the sweeper gives its job up, or when someone runs it again."""

    on_failure: JobHook | None = None
    on_retry: JobHook | None = None


JOB_HOOKS: dict[str, JobHooks] = {}

GIVEN_UP = (
    "Máy chạy việc đã dừng đột ngột {attempts} lần khi đang làm việc này nên việc chưa xong. "
    "Bấm “Chạy lại” để thử lại."
)
RERUN = "Máy chạy việc đã dừng đột ngột; việc được chạy lại từ đầu (lần {attempt}/{limit})."
RETRIED = "Đang chờ chạy lại."


def job_function(
    kind: str, *, on_failure: JobHook | None = None, on_retry: JobHook | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Register a job function; the hooks let its app keep its own rows in step with the job's fate."""

    def register(func: JobFunction) -> JobFunction:
        JOB_FUNCTIONS[kind] = func
        JOB_HOOKS[kind] = JobHooks(on_failure=on_failure, on_retry=on_retry)
        return func

    return register


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(getattr(settings, name, default)))


def worker_id() -> str:
    """This process as the Job rows name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def start_job(*, kind: str, title: str, by: Any = None, **params: Any) -> Job:
    """Create a Job row and enqueue its task once the surrounding transaction commits."""
    if kind not in JOB_FUNCTIONS:
        raise KeyError(f"Không có loại việc '{kind}'.")
    job = Job.objects.create(kind=kind, title=title, created_by=by, params=params, enqueued_at=timezone.now())
    transaction.on_commit(lambda: send(job.pk))
    return job


def send(job_id: Any) -> bool:
    """Put the message for a queued job on the queue; a broker that is down leaves it to the sweeper."""
    try:
        result = run_job.enqueue(str(job_id))
    except Exception:
        logger.exception("job %s: could not reach the queue; the sweeper will send it again", job_id)
        return False
    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(task_id=str(result.id)[:64])
    return True


def _in_process() -> bool:
    """An immediate backend runs the job inside the caller (tests): there is no worker to watch."""
    return isinstance(run_job.get_backend(), ImmediateBackend)


# --- heartbeat ----------------------------------------------------------------------------------------


class Heartbeat(threading.Thread):
    """Writes `heartbeat_at` (and progress reported inside a transaction) on its own connection.

    A job function that reports progress inside a long transaction (the import's commit) cannot make
    it visible from that transaction, and must not lock its own Job row there: the progress is handed
    to this thread, which writes it with the heartbeat in autocommit.
    """

    def __init__(self, job: Job, *, interval: float) -> None:
        super().__init__(name=f"heartbeat-{job.pk}", daemon=True)
        self.job_id, self.attempt, self.interval = job.pk, job.attempts, interval
        self.stopped = threading.Event()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.pending: dict[str, Any] = {}
        self.beats = 0

    def push(self, fields: dict[str, Any]) -> None:
        with self.lock:
            self.pending.update(fields)
        self.wake.set()

    def beat(self) -> bool:
        with self.lock:
            fields, self.pending = self.pending, {}
        written = Job.objects.filter(pk=self.job_id, attempts=self.attempt, status=Job.Status.RUNNING).update(
            heartbeat_at=timezone.now(), **fields
        )
        self.beats += 1
        return bool(written)

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.wake.wait(self.interval)
                self.wake.clear()
                if self.stopped.is_set():
                    break
                try:
                    if not self.beat():
                        logger.warning(
                            "job %s attempt %s: no longer this worker's", self.job_id, self.attempt
                        )
                except Exception:  # a database restart: beat again next time
                    logger.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
        self.join(timeout=30)


_HEARTBEATS: dict[Any, Heartbeat] = {}


def report_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    """Store progress; called by job functions every few hundred rows. Also a sign of life."""
    fields: dict[str, Any] = {"done": done}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    for key, value in fields.items():
        setattr(job, key, value)
    heartbeat = _HEARTBEATS.get(job.pk)
    if heartbeat is not None and connection.in_atomic_block:
        heartbeat.push(fields)
        return
    rows = Job.objects.filter(pk=job.pk, attempts=job.attempts)
    if heartbeat is not None:  # inside run_job: only while this run still owns the job
        fields["heartbeat_at"] = timezone.now()
        rows = rows.filter(status=Job.Status.RUNNING)
    rows.update(**fields)


# --- running ------------------------------------------------------------------------------------------


def claim(job_id: Any) -> Job | None:
    """Take a queued job for this worker (one UPDATE: a second message for it finds nothing to take)."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now,
        worker=worker_id()[:200],
    )  # fmt: skip
    return Job.objects.get(pk=job_id) if taken else None


def _finish(job: Job, **fields: Any) -> bool:
    """The job's last write, only if no other worker has taken it over since."""
    now = timezone.now()
    values = {"done": job.done, "total": job.total, "finished_at": now, "heartbeat_at": now, **fields}
    written = Job.objects.filter(pk=job.pk, attempts=job.attempts, status=Job.Status.RUNNING).update(**values)
    if not written:
        logger.warning(
            "job %s attempt %s finished after it was given up; result dropped", job.pk, job.attempts
        )
    return bool(written)


@task(queue_name=getattr(settings, "JOBS_QUEUE", "default"))
def run_job(job_id: str, params: dict[str, Any] | None = None) -> None:
    """The queue's task: take the job, run its function with a heartbeat, store the outcome."""
    job = claim(job_id)
    if job is None:
        logger.info("job %s is not waiting (already taken or finished): message ignored", job_id)
        return
    arguments = job.params or params or {}  # messages sent before params were kept on the row carry them
    interval = float(getattr(settings, "JOBS_HEARTBEAT_SECONDS", 5))
    heartbeat = None if _in_process() or interval <= 0 else Heartbeat(job, interval=interval)
    if heartbeat is not None:
        _HEARTBEATS[job.pk] = heartbeat
        heartbeat.start()
    try:
        result = JOB_FUNCTIONS[job.kind](job, **arguments)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        _stop(heartbeat)
        _finish(job, status=Job.Status.FAILED, message=f"Lỗi: {exc}"[:2000])
        return
    _stop(heartbeat)
    _finish(job, status=Job.Status.DONE, result=result or {}, done=job.total or job.done, message=job.message)


def _stop(heartbeat: Heartbeat | None) -> None:
    if heartbeat is not None:
        heartbeat.stop()
        _HEARTBEATS.pop(heartbeat.job_id, None)


# --- the sweeper --------------------------------------------------------------------------------------


def _process_gone(worker: str) -> bool | None:
    """Whether the process named by `worker` is gone: True/False on this host, None elsewhere."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rpartition(")")[2].split()[0]
        return state in ("Z", "X")  # a zombie no longer runs anything
    except (OSError, IndexError):
        pass
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _message_waiting(job: Job) -> bool:
    """Whether the backend still holds this job's message, waiting for a worker."""
    backend = run_job.get_backend()
    if not job.task_id or not backend.supports_get_result:
        return False
    try:
        status = backend.get_result(job.task_id).status
    except TaskResultDoesNotExist:
        logger.info("job %s: the queue no longer holds message %s", job.pk, job.task_id)
        return False
    except Exception:
        logger.warning("job %s: could not ask the queue about its message", job.pk, exc_info=True)
        return False
    if status != TaskResultStatus.READY:
        logger.info("job %s: its message %s is %s, yet no worker took the job", job.pk, job.task_id, status)
    return status == TaskResultStatus.READY


def _hook(job: Job, name: str) -> None:
    hook = getattr(JOB_HOOKS.get(job.kind), name, None)
    if hook is None:
        return
    try:
        hook(job)
    except Exception:
        logger.exception("job %s: %s hook failed", job.pk, name)


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Send again the jobs whose message was lost; re-run or fail the jobs whose worker died.

    Every change is a compare-and-set UPDATE on the row as it was read, so several sweepers (one per
    `jobs_worker`) and live workers never undo each other's work.
    """
    now = now or timezone.now()
    limit = int(getattr(settings, "JOBS_MAX_ATTEMPTS", 3))
    counts = {"resent": 0, "rerun": 0, "failed": 0}
    stale_before = now - _seconds("JOBS_STALE_SECONDS", 60)
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale_before):
        if _process_gone(job.worker) is False:
            continue  # alive on this machine, only slow to beat (a long write lock on SQLite)
        same = Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts, heartbeat_at=job.heartbeat_at
        )
        if job.attempts >= limit:
            message = GIVEN_UP.format(attempts=job.attempts)
            if same.update(status=Job.Status.FAILED, finished_at=now, message=message):
                logger.error("job %s (%s) given up after %s attempts", job.pk, job.kind, job.attempts)
                job.status, job.message, job.finished_at = Job.Status.FAILED, message, now
                _hook(job, "on_failure")
                counts["failed"] += 1
            continue
        message = RERUN.format(attempt=job.attempts + 1, limit=limit)
        if same.update(status=Job.Status.QUEUED, enqueued_at=now, message=message, worker="", task_id=""):
            logger.warning("job %s (%s): worker %s died; sent again", job.pk, job.kind, job.worker)
            send(job.pk)
            counts["rerun"] += 1
    pending_before = now - _seconds("JOBS_PENDING_SECONDS", 60)
    for job in Job.objects.filter(status=Job.Status.QUEUED, enqueued_at__lt=pending_before):
        if _message_waiting(job):
            continue
        if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, enqueued_at=job.enqueued_at).update(
            enqueued_at=now
        ):
            logger.warning("job %s (%s): message lost; sent again", job.pk, job.kind)
            send(job.pk)
            counts["resent"] += 1
    # A job from before enqueued_at was kept: give it one, so that a lost message is found next time.
    Job.objects.filter(status=Job.Status.QUEUED, enqueued_at__isnull=True).update(enqueued_at=now)
    return counts


def retry_job(job: Job, *, by: Any) -> Job:
    """Run a failed job again from the start (a person pressed “Chạy lại”)."""
    if not (
        getattr(by, "is_superuser", False) or (job.created_by_id is not None and job.created_by_id == by.pk)
    ):
        raise PermissionDenied("Chỉ người đã bắt đầu việc này mới chạy lại được.")
    now = timezone.now()
    reset = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
        status=Job.Status.QUEUED, attempts=0, done=0, message=RETRIED, result={}, finished_at=None,
        started_at=None, heartbeat_at=None, worker="", task_id="", enqueued_at=now,
    )  # fmt: skip
    job.refresh_from_db()
    if reset:
        logger.info("job %s (%s) run again by user %s", job.pk, job.kind, getattr(by, "pk", None))
        _hook(job, "on_retry")
        transaction.on_commit(lambda: send(job.pk))
    return job
