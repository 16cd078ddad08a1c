"""`manage.py jobs_worker`: the background-job worker for the configured queue, plus the sweeper.

With `TASKS_BACKEND=django_tasks_rq.RQBackend` it runs an RQ worker on `JOBS_QUEUE` (each job in a
forked work horse, as RQ does); with the database backend it runs django-tasks-db's worker. Beside it, a
thread runs `common.jobs.sweep` every `--sweep-interval` seconds: jobs whose message was lost are sent
again, jobs whose worker died are re-run or failed. Another thread runs the periodic steps that apps
register (`common.jobs.register_periodic`: the indicators' rollups catching up with the write path)
every `--periodic-interval` seconds. Several jobs_worker processes may run at once.
SIGTERM/SIGINT stop after the current job; a SIGKILLed worker's job is picked up by any sweeper.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from binhdan.common import jobs

logger = logging.getLogger("binhdan.common.jobs")


class Sweeper(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="jobs-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                counts = jobs.sweep()
                if any(counts.values()):
                    logger.warning("sweep: %s", counts)
            except Exception:  # the database restarting: try again next round
                logger.warning("sweep failed", exc_info=True)
                connections.close_all()
            self.stopped.wait(self.interval)
        connections.close_all()


class Periodic(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="jobs-periodic", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            jobs.run_periodic()
            # This thread's connection is not kept between rounds: RQ forks work horses from this
            # process, and a child must not inherit (and close) a connection that is in use here.
            connections.close_all()
            self.stopped.wait(self.interval)


class Command(BaseCommand):
    help = (
        "Chạy việc nền (hàng đợi RQ hoặc hàng đợi trong cơ sở dữ liệu) cùng bộ quét việc bị mất hoặc bị dừng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sweep-interval", type=float, default=10.0, help="giây giữa hai lần quét (0: không quét)"
        )
        parser.add_argument(
            "--periodic-interval",
            type=float,
            default=1.0,
            help="giây giữa hai lượt việc định kỳ, như cập nhật số liệu chỉ tiêu (0: không chạy)",
        )
        parser.add_argument("--burst", action="store_true", help="chạy hết việc đang chờ rồi dừng")
        parser.add_argument("--name", default="", help="tên máy chạy (mặc định: tên máy và số tiến trình)")

    def handle(self, *args: Any, **options: Any) -> None:
        backend = jobs.run_job.get_backend()
        queue = getattr(settings, "JOBS_QUEUE", "default")
        path = f"{type(backend).__module__}.{type(backend).__name__}"
        sweeper = Sweeper(options["sweep_interval"]) if options["sweep_interval"] > 0 else None
        if sweeper is not None:
            sweeper.start()
        periodic = Periodic(options["periodic_interval"]) if options["periodic_interval"] > 0 else None
        if periodic is not None:
            periodic.start()
        # Nothing opened here may be shared with a forked work horse.
        connections.close_all()
        try:
            if path.startswith("django_tasks_rq."):
                self._rq(queue, burst=options["burst"], name=options["name"], verbosity=options["verbosity"])
            elif path.startswith("django_tasks_db."):
                worker_id = (options["name"] or jobs.worker_id())[:64]
                call_command(
                    "db_worker", queue_name=queue, interval=1, batch=options["burst"], reload=False,
                    worker_id=worker_id, verbosity=options["verbosity"],
                )  # fmt: skip
            else:
                raise CommandError(
                    f"TASKS_BACKEND {path} không có máy chạy việc riêng (chạy ngay trong tiến trình)."
                )
        finally:
            for thread in (sweeper, periodic):
                if thread is not None:
                    thread.stopped.set()
                    thread.join(timeout=10)

    def _rq(self, queue: str, *, burst: bool, name: str, verbosity: int) -> None:
        from django_rq.workers import get_worker
        from django_tasks_rq.backend import Job as RQJob
        from redis.exceptions import ConnectionError as RedisConnectionError
        from rq.logutils import setup_loghandlers

        level = "WARNING" if verbosity == 0 else "DEBUG" if verbosity >= 2 else "INFO"
        setup_loghandlers(level)
        while True:
            try:
                worker = get_worker(queue, job_class=RQJob, name=name or None)
                worker.work(burst=burst, with_scheduler=False, logging_level=level)
                return
            except RedisConnectionError as exc:  # Redis restarting: the sweeper keeps the jobs safe meanwhile
                self.stderr.write(f"Không kết nối được Redis ({exc}); thử lại sau 5 giây.")
                time.sleep(5)
