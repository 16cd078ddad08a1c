"""Import a generated 30,000-row resident list: parse time, total import time on PostgreSQL and SQLite,
peak memory, and the ratio to reading the same file with python-calamine alone.

Targets (issue 4): parse ≤ 1 s, total on PostgreSQL ≤ 5 s, peak memory ≤ 300 MB.
Run with `make bench-import`. PostgreSQL: BENCH_PG_URL (default postgres://binhdan@127.0.0.1:5432/binhdan_bench_import,
not the binhdan_bench of bench_sync.py, so the two can run side by side),
created and dropped by this script; skipped with a message when the server is not reachable.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_ROWS", "30000"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_bench_import")
ROOT = Path(__file__).resolve().parent.parent
VILLAGES = [f"Thôn {n}" for n in ("Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Mới")]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE_M, MIDDLE_F = ["Văn", "Đức", "Minh", "Quang", "Hữu"], ["Thị", "Thu", "Ngọc", "Thanh", "Kim"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Khải", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Vinh"]
GIVEN_F = ["Hoa", "Lan", "Mai", "Ngân", "Oanh", "Phương", "Quyên", "Thảo", "Uyên", "Vân", "Xuân", "Yến"]


def make_workbook(rows: int) -> bytes:
    """A resident list like the commune police's: title rows, a two-row header, households of 1-7 people."""
    from openpyxl import Workbook

    rng = random.Random(4)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append(["CÔNG AN XÃ SƠN ĐÔNG"])
    sheet.append(["DANH SÁCH NHÂN KHẨU THƯỜNG TRÚ"])
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ", "Số định danh cá nhân",
                  "Thôn/Xóm", "Địa chỉ", "Số hộ", "SĐT", "Dân tộc"])  # fmt: skip
    sheet.append([f"({i})" for i in range(1, 12)])
    written, household = 0, 0
    while written < rows:
        household += 1
        village = VILLAGES[household % len(VILLAGES)]
        family = rng.choice(FAMILY)
        size = min(rng.randint(1, 7), rows - written)
        given = {"m": rng.sample(GIVEN_M, 7), "f": rng.sample(GIVEN_F, 7)}  # no two alike in one household
        for member in range(size):
            female = member == 1 or rng.random() < 0.5
            first = given["f" if female else "m"][member]
            name = f"{family if member != 1 else rng.choice(FAMILY)} {rng.choice(MIDDLE_F if female else MIDDLE_M)} {first}"
            year = rng.randint(1935, 1980) if member < 2 else rng.randint(1981, 2023)
            birth = (
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}" if rng.random() < 0.7 else year
            )
            relation = (
                "Chủ hộ"
                if member == 0
                else "Vợ"
                if member == 1
                else rng.choice(["Con", "Con trai", "Con gái", "Cháu"])
            )
            citizen = f"025{1 if female else 0}{year % 100:02d}{household:04d}{member:02d}"
            phone = f"09{rng.randint(10000000, 99999999)}" if rng.random() < 0.5 else ""
            written += 1
            sheet.append([written, name, birth, "Nữ" if female else "Nam", relation, citizen, village,
                          f"Xóm {household % 12 + 1}", f"H{household:05d}", phone, "Kinh"])  # fmt: skip
    sheet.append(["Tổng cộng", f"{rows} nhân khẩu"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(database_url: str, data: bytes) -> dict[str, float]:
    """Run one import in a fresh Django process against `database_url`; returns its timings."""
    code = f"""
import json, os, sys, time, resource
sys.path.insert(0, {str(ROOT)!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from binhdan.places.models import Place, Kind, Level
from binhdan.places.services import add_village
from binhdan.registry.models import CommuneSettings
from binhdan.registry.importing import prepare
from binhdan.registry.importing.plan import analyse, commit
province = Place.objects.create(code="25", name="Phú Thọ", kind=Kind.TINH, level=Level.PROVINCE)
commune = Place.objects.create(code="08866", name="Xã Sơn Đông", kind=Kind.XA, level=Level.COMMUNE, parent=province)
for name in {VILLAGES!r}:
    add_village(commune=commune, name=name)
CommuneSettings.objects.create(commune=commune, store_citizen_ids=True)
data = open(sys.argv[1], "rb").read()
t0 = time.perf_counter()
table, layout = prepare(data, "ds.xlsx", commune=commune)
t1 = time.perf_counter()
a = analyse(rows=table.rows, data_start=layout.data_start, columns={{c.index: c.header for c in layout.columns}},
            mapping=layout.mapping(), commune=commune)
t2 = time.perf_counter()
assert not a.errors, a.errors[:5]
commit(a, by=None, commune=commune, filename="ds.xlsx")
t3 = time.perf_counter()
t4 = time.perf_counter()
again = analyse(rows=table.rows, data_start=layout.data_start, columns={{c.index: c.header for c in layout.columns}},
                mapping=layout.mapping(), commune=commune).counts()
t5 = time.perf_counter()
assert again["residents_unchanged"] == {ROWS} and again["residents_created"] == 0, again
print(json.dumps({{"parse": t1 - t0, "check": t2 - t1, "write": t3 - t2, "total": t3 - t0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "residents": a.counts()["residents"], "households": a.counts()["households"],
                  "recheck": t5 - t4}}))
"""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "SECRET_KEY": "bench"}
        out = subprocess.run(
            [sys.executable, "-c", code, handle.name], env=env, capture_output=True, text=True
        )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def calamine_alone(data: bytes) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def _psql(sql: str) -> bool:
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    done = subprocess.run(["psql", admin, "-qc", sql], capture_output=True, text=True)
    if done.returncode:
        print(f"psql: {done.stderr.strip()}")
    return done.returncode == 0


def report(label: str, figures: dict[str, float], baseline: float) -> None:
    print(
        f"{label:<11} parse {figures['parse']:.2f} s ({figures['parse'] / baseline:.1f}× calamine alone) · "
        f"check {figures['check']:.2f} s · write {figures['write']:.2f} s · total {figures['total']:.2f} s · "
        f"peak memory (process RSS, Django included) {figures['rss_mb']:.0f} MB · "
        f"{figures['households']:.0f} households, {figures['residents']:.0f} residents · "
        f"re-check of the same file {figures['recheck']:.2f} s"
    )


def main() -> None:
    started = time.perf_counter()
    data = make_workbook(ROWS)
    print(
        f"generated a {ROWS:,}-row resident list ({len(data) / 2**20:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    baseline = min(calamine_alone(data) for _ in range(3))
    print(f"python-calamine alone: {baseline:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", measure(f"sqlite:///{folder}/bench.sqlite3", data), baseline)
    name = PG_URL.rsplit("/", 1)[1]
    _psql(f"DROP DATABASE IF EXISTS {name}")
    if _psql(f"CREATE DATABASE {name}"):
        try:
            report("PostgreSQL", measure(PG_URL, data), baseline)
        finally:
            _psql(f"DROP DATABASE IF EXISTS {name}")
    else:
        print(f"PostgreSQL: skipped, could not create the database at {PG_URL}")
    print("targets: parse ≤ 1 s, total on PostgreSQL ≤ 5 s, peak memory ≤ 300 MB")


if __name__ == "__main__":
    main()
