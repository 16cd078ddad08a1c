"""Task workers killed with SIGKILL in the middle of a large import and of a report PDF, and a job message
lost by the broker: RQ workers on the shared Redis (a queue name of this run's own), job state in the
database. Afterwards the import's rows exist exactly once and the report file once; a job whose workers
keep dying fails with a Vietnamese message and runs again with retry_job."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest

from tests.fault import stack

pytestmark = pytest.mark.xdist_group("fault")

HOUSEHOLDS, PEOPLE = 1500, 3  # 4,500 rows: a large list (a background job), a few seconds to write

WORLD = """
import json
from binhdan.accounts.models import Role, RoleKind, User
from binhdan.places.models import Kind, Level, Place
from binhdan.places.services import add_village
province = Place.objects.create(code="31", name="Hải Phòng", kind=Kind.TINH, level=Level.PROVINCE)
commune = Place.objects.create(code="11311", name="Xã Tiên Lãng", kind=Kind.XA, level=Level.COMMUNE, parent=province)
add_village(commune=commune, name="Thôn Tây")
officer = User.objects.create_user("canbo_xa_loi", password="Mat-khau-thu-2025")
Role.objects.create(user=officer, kind=RoleKind.COMMUNE_OFFICER, place=commune)
print(json.dumps({"commune": commune.pk, "officer": officer.pk}))
"""

IMPORT = """
import json
from django.db import transaction
from binhdan.accounts.models import User
from binhdan.places.models import Place
from binhdan.registry import importing
families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
middles = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hữu", "Xuân"]
givens = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Lan", "Linh",
          "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
          "Trung", "Tuấn", "Vân", "Yến", "Khánh", "Lộc", "Nhung", "Oanh", "Thắng", "Tú", "Uyên", "Việt"]
names = iter(f"{f} {m} {g}" for g in givens for m in middles for f in families)
lines = ["Họ và tên;Năm sinh;Giới tính;Quan hệ với chủ hộ;Thôn;Số hộ"]
for h in range(P["households"]):
    for p in range(P["people"]):
        relation = ("Chủ hộ", "Vợ", "Con")[min(p, 2)]
        lines.append(f"{next(names)};{1950 + (h + p * 17) % 60};{'Nam' if p != 1 else 'Nữ'};{relation};Thôn Tây;TT-{h:05d}")
data = ("\\r\\n".join(lines) + "\\r\\n").encode()
commune, officer = Place.objects.get(pk=P["commune"]), User.objects.get(pk=P["officer"])
batch = importing.open_batch(data=data, filename="ds-lon.csv", commune=commune, by=officer)
importing.check_batch(batch)
assert importing.is_large(batch) and batch.summary["error_rows"] == 0, batch.summary
with transaction.atomic():
    importing.start_commit(batch, by=officer, skip_invalid=False)
print(json.dumps({"batch": str(batch.pk), "job": str(batch.job_id)}))
"""

REPORT = """
import json
from django.db import transaction
from django.utils import timezone
from binhdan.accounts.models import User
from binhdan.common.jobs import start_job
from binhdan.places.models import Place
from binhdan.reports import jobs, services
from binhdan.reports.models import ReportKind
from binhdan.reports.periods import quarter_of
officer = User.objects.get(pk=P["officer"])
report = services.create_report(by=officer, kind=ReportKind.COMMUNE_SUMMARY, commune=Place.objects.get(pk=P["commune"]),
                                 period=quarter_of(timezone.localdate()))
with transaction.atomic():
    job = start_job(kind=jobs.REPORT_FILE_JOB, title="Tạo tệp PDF", by=officer, report_id=report.pk, fmt="pdf")
print(json.dumps({"report": report.pk, "job": str(job.pk)}))
"""

RETRY = """
from binhdan.accounts.models import User
from binhdan.common.jobs import retry_job
from binhdan.common.models import Job
import json
print(json.dumps({"status": retry_job(Job.objects.get(pk=P["job"]), by=User.objects.get(pk=P["officer"])).status}))
"""


@pytest.fixture(scope="module")
def world(fault_database):
    url, _cluster = fault_database
    return json.loads(stack.manage_shell({**stack.base_env(), "DATABASE_URL": url}, WORLD))


@pytest.fixture
def queue_env(server_env, world):
    """The application's environment on RQ with a queue of this test's own, and fast sweeper timings."""
    redis = stack.redis_or_skip()
    queue = f"binhdan-fault-{uuid.uuid4().hex[:10]}"
    env = {
        **server_env, "TASKS_BACKEND": "django_tasks_rq.RQBackend", "RQ_URL": stack.REDIS_URL,
        "JOBS_QUEUE": queue, "JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALE_SECONDS": "3",
        "JOBS_PENDING_SECONDS": "2", "JOBS_MAX_ATTEMPTS": "3",
    }  # fmt: skip
    workers: list[subprocess.Popen] = []

    def start_worker(**extra: str) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "jobs_worker", "--sweep-interval", "1", "-v0"],
            cwd=stack.ROOT, env={**env, **extra}, start_new_session=True,
        )  # fmt: skip
        workers.append(worker)
        return worker

    yield env, world, start_worker, redis, queue
    for worker in workers:
        stack.kill_group(worker)
    stack.forget_queue(redis, queue)


def _run(env, snippet: str, **params) -> dict:
    """A snippet in manage.py shell with its parameters as P; its last printed line read as JSON."""
    return json.loads(stack.manage_shell(env, f"P = {json.dumps(params)}\n{snippet}"))


def _uuid(env, value: str) -> str:
    return value if env["DATABASE_URL"].startswith("postgres") else value.replace("-", "")


def _imported(env, *, commune: int, batch: str) -> dict:
    """What the import left in the commune (read with SQL: a manage.py shell costs seconds)."""
    url = env["DATABASE_URL"]
    homes = "registry_household h JOIN places_place v ON v.id = h.village_id"
    [(households,)] = stack.query(url, f"SELECT count(*) FROM {homes} WHERE v.parent_id = %s", (commune,))
    [(residents, names)] = stack.query(
        url,
        "SELECT count(*), count(DISTINCT r.full_name) FROM registry_resident r JOIN registry_household h"
        " ON h.id = r.household_id JOIN places_place v ON v.id = h.village_id WHERE v.parent_id = %s",
        (commune,),
    )
    [(status,)] = stack.query(
        url, "SELECT status FROM registry_importbatch WHERE id = %s", (_uuid(env, batch),)
    )
    return {"households": households, "residents": residents, "distinct_names": names, "batch": status}


def _files(env, *, report: int) -> list[tuple[str, bytes]]:
    rows = stack.query(
        env["DATABASE_URL"],
        "SELECT format, substr(data, 1, 5) FROM reports_reportfile WHERE report_id = %s",
        (report,),
    )
    return [(fmt, bytes(head)) for fmt, head in rows]


JOB_FIELDS = ("status", "attempts", "done", "total", "message", "worker", "started_at", "finished_at")


def _job(env, job: str) -> dict:
    row = stack.query(env["DATABASE_URL"], f"SELECT {', '.join(JOB_FIELDS)} FROM common_job WHERE id = %s",
                      (_uuid(env, job),))  # fmt: skip
    return {k: (str(v) if k.endswith("_at") else v) for k, v in zip(JOB_FIELDS, row[0], strict=True)}


def _wait_job(env, job: str, want: set[str], *, timeout: float) -> dict:
    state: dict = {}

    def reached() -> bool:
        state.update(_job(env, job))
        return state["status"] in want

    stack.wait_for(reached, timeout=timeout, step=0.05, what=f"job {job} to be {want} (last seen {state})")
    return state


def test_a_worker_killed_in_the_middle_of_a_large_import_leaves_every_row_once(queue_env):
    env, world, start_worker, _redis, _queue = queue_env
    started = _run(env, IMPORT, households=HOUSEHOLDS, people=PEOPLE, **world)
    job = started["job"]
    first = start_worker()
    # Killed while the commit runs, inside the import's one transaction: once it writes rows (its progress
    # comes out through the heartbeat thread on PostgreSQL; SQLite's write lock holds it back) or a second
    # after it started.
    _wait_job(env, job, {"running"}, timeout=60)
    running_since = time.monotonic()
    state: dict = {}

    def writing() -> bool:
        state.update(_job(env, job))
        if not stack.on_postgres():
            return time.monotonic() - running_since > 0.4 or state["status"] != "running"
        return state["message"].startswith("Đã ghi") or state["status"] != "running"

    stack.wait_for(writing, timeout=90, step=0.05, what="the import to write")
    stack.kill_worker(first, state["worker"])  # the worker and its work horse: the machine went down
    killed = _job(env, job)
    assert killed["status"] == "running" and killed["attempts"] == 1, (
        f"the import ended before the kill: {killed}"
    )
    half = _imported(env, commune=world["commune"], batch=started["batch"])
    assert (half["households"], half["residents"]) == (0, 0)  # the killed transaction wrote nothing

    start_worker()  # its sweeper finds the dead worker's job (no heartbeat, process gone) and runs it again
    final = _wait_job(env, job, {"done", "failed"}, timeout=120)
    imported = _imported(env, commune=world["commune"], batch=started["batch"])
    print(f"\nimport fault: killed at {killed['done']}/{killed['total']}; final {final}; {imported}")
    assert final["status"] == "done" and final["attempts"] == 2
    assert imported == {
        "households": HOUSEHOLDS, "residents": HOUSEHOLDS * PEOPLE, "distinct_names": HOUSEHOLDS * PEOPLE,
        "batch": "committed",
    }  # fmt: skip


def test_a_lost_message_and_a_killed_report_worker_end_in_one_file_after_a_retry(queue_env):
    env, world, start_worker, redis, queue = queue_env
    started = _run(env, REPORT, **world)
    job = started["job"]
    stack.forget_queue(redis, queue)  # Redis lost the message (restarted without its data)
    time.sleep(0.5)
    assert _job(env, job)["status"] == "queued"

    # One start only: the first dead run makes the job fail visibly instead of running again.
    start_worker(JOBS_MAX_ATTEMPTS="1")
    # Its sweeper sends the job again after JOBS_PENDING_SECONDS; the worker takes it.
    running = _wait_job(env, job, {"running"}, timeout=60)
    stack.kill_horse(running["worker"])  # in the middle of LibreOffice; the worker itself lives on
    killed = _job(env, job)
    assert killed["status"] == "running", f"the PDF was made before the kill: {killed}"

    failed = _wait_job(env, job, {"failed", "done"}, timeout=60)  # the same worker's sweeper gives it up
    assert failed["status"] == "failed" and "Chạy lại" in failed["message"], failed
    assert _files(env, report=started["report"]) == []

    assert _run(env, RETRY, job=job, **world) == {"status": "queued"}
    final = _wait_job(env, job, {"done", "failed"}, timeout=90)
    files = _files(env, report=started["report"])
    print(f"\nreport fault: failed with “{failed['message']}”; after retry {final}; files {files}")
    assert final["status"] == "done" and final["attempts"] == 1
    assert files == [("pdf", b"%PDF-")]
