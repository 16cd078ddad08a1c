"""The commune summary report's documents on PostgreSQL (`make bench-reports`).

For the demo commune (`manage.py load_demo`) and for a synthetic commune of 30,000 residents
(`manage.py generate_synthetic` with one commune), a commune-summary draft of the current quarter is made
with `reports.services.create_report`; then, median of BENCH_RUNS (3) runs each:

- figures: `reports.content.build(report)` (the content, from the indicators' rollups and the field data);
- DOCX: `reports.documents.render(report, "docx")` (python-docx);
- PDF: `reports.documents.render(report, "pdf")` (the DOCX, then headless LibreOffice with its own profile).

Targets: DOCX ≤ 2 s and PDF ≤ 5 s (document time; the figures are shown beside). Figures only, no assertions.

    make bench-reports
    BENCH_DATABASE_URL=postgres://…/db     # default binhdan_bench_reports on 127.0.0.1, made and dropped
    BENCH_KEEP=1                           # keep the database; BENCH_REUSE=1 reuses a kept one
    BENCH_RESIDENTS=30000 BENCH_RUNS=3
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://binhdan@127.0.0.1:5432/binhdan_bench_reports")
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "30000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGETS_S = {"docx": 2.0, "pdf": 5.0}
ENV = {"DATABASE_URL": BASE_URL, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
       "SECRET_KEY": "bench-secret", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0",
       "LOG_LEVEL": "WARNING"}  # fmt: skip

rows: list[tuple[str, str, str, str]] = []


def report(measure: str, figure: str, target: str = "", ok: bool | None = None) -> None:
    rows.append((measure, figure, target, "" if ok is None else ("ok" if ok else "MISSED")))
    print(f"{measure}: {figure}" + (f" (target {target})" if target else ""), flush=True)


def _psql(url: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", url, "-qAtc", sql], capture_output=True, text=True)


def prepare_database() -> bool:
    """Create the database (or reuse a kept one); True when the data must be loaded."""
    parts = urllib.parse.urlsplit(BASE_URL)
    name, admin = parts.path.lstrip("/"), parts._replace(path="/postgres").geturl()
    if os.environ.get("BENCH_REUSE") == "1" and _psql(BASE_URL, "SELECT 1").returncode == 0:
        return False
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        done = _psql(admin, sql)
        if done.returncode:
            raise SystemExit(
                f"PostgreSQL không sẵn sàng ({done.stderr.strip()}); chạy scripts/postgres-test-db.sh."
            )
    env = dict(os.environ, **ENV)
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return True


def drop_database() -> None:
    parts = urllib.parse.urlsplit(BASE_URL)
    _psql(
        parts._replace(path="/postgres").geturl(),
        f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)',
    )


def _median_s(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _officer(commune: Any) -> Any:
    import datetime as dt

    from binhdan.accounts.models import Role, RoleKind, User

    role = Role.objects.filter(place=commune, kind=RoleKind.COMMUNE_OFFICER).select_related("user").first()
    if role is not None:
        return role.user
    user, _ = User.objects.get_or_create(
        username=f"bench.reports.{commune.pk}", defaults={"full_name": "Cán bộ đo"}
    )
    Role.objects.create(
        user=user, kind=RoleKind.COMMUNE_OFFICER, place=commune, valid_from=dt.date(2025, 1, 1)
    )
    return user


def measure(label: str, commune: Any) -> None:
    from django.utils import timezone

    from binhdan.registry.models import Resident
    from binhdan.reports import content, documents, services
    from binhdan.reports.models import Report
    from binhdan.reports.periods import quarter_of

    today = timezone.localdate()
    period = quarter_of(today)
    residents = Resident.objects.filter(household__village__parent=commune).count()
    existing = Report.objects.filter(
        commune=commune, kind="commune-summary", period_start=period.start
    ).first()
    draft = existing or services.create_report(
        by=_officer(commune), kind="commune-summary", commune=commune, period=period
    )
    figures, built = _median_s(lambda: content.build(draft))
    draft.content = built
    docx, data = _median_s(lambda: documents.render(draft, "docx"))
    pdf, pdf_data = _median_s(lambda: documents.render(draft, "pdf"))
    name = f"{label} ({commune.name}, {residents:,} residents, {period.label})"
    report(f"{name}: figures (content.build)", f"{figures:.2f} s")
    report(f"{name}: DOCX", f"{docx:.2f} s, {len(data) / 1024:.0f} KiB", f"≤ {TARGETS_S['docx']:.0f} s",
           docx <= TARGETS_S["docx"])  # fmt: skip
    report(f"{name}: PDF (DOCX + LibreOffice)", f"{pdf:.2f} s, {len(pdf_data) / 1024:.0f} KiB",
           f"≤ {TARGETS_S['pdf']:.0f} s", pdf <= TARGETS_S["pdf"])  # fmt: skip
    report(f"{name}: figures + PDF", f"{figures + pdf:.2f} s")


def main() -> None:
    os.environ.update(ENV)
    os.chdir(ROOT)
    fresh = prepare_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from binhdan.fieldwork.demo import DEMO_COMMUNE_CODE
        from binhdan.indicators.management.commands.generate_synthetic import SYNTHETIC_PROVINCE_CODE
        from binhdan.places.models import Level, Place

        if fresh:
            start = time.perf_counter()
            call_command("load_places", stdout=open(os.devnull, "w"))  # noqa: SIM115
            call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
            report("load_places + load_demo", f"{time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            call_command(
                "generate_synthetic", "--communes", "1", "--villages-per-commune", "10",
                "--households", str(RESIDENTS * 3 // 10), "--residents", str(RESIDENTS),
                "--visits", str(RESIDENTS * 3), "--seed", "20260101",  # the demo uses the default seed: its uuids
                stdout=open(os.devnull, "w"),  # noqa: SIM115
            )  # fmt: skip
            report(
                f"generate_synthetic ({RESIDENTS:,} residents, with rebuild)",
                f"{time.perf_counter() - start:.1f} s",
            )
        measure("demo", Place.objects.get(code=DEMO_COMMUNE_CODE))
        synthetic = Place.objects.filter(parent__code=SYNTHETIC_PROVINCE_CODE, level=Level.COMMUNE).first()
        measure("synthetic", synthetic)
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            drop_database()
    width = max(len(r[0]) for r in rows)
    print("\n== bench-reports ==")
    for measure_name, figure, target, verdict in rows:
        print(f"{measure_name:<{width}}  {figure}" + (f"  [target {target}: {verdict}]" if target else ""))


if __name__ == "__main__":
    main()
