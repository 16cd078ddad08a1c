"""Set up the production stack's database and static files in one process (scripts/prod.sh up).

migrate, createcachetable, collectstatic (only when a source file is newer than the manifest), load_places
(only when the places are missing) and, with PROD_DEMO=1, load_demo. Each step is idempotent. Runs with the
stack's environment against PostgreSQL itself, not through pgbouncer.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402


def step(name: str, *args: str, **options: object) -> None:
    started = time.monotonic()
    call_command(name, *args, **options)
    print(f"prod setup: {name} {' '.join(args)} ({time.monotonic() - started:.1f} s)", flush=True)


def static_is_stale() -> bool:
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        return True
    collected = manifest.stat().st_mtime
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if os.path.getmtime(storage.path(path)) > collected:
                return True
    return False


AUTOVACUUM_OFF = (
    "prod setup: WARNING: PostgreSQL's autovacuum is off on this server: the planner's statistics go stale "
    "as visits and receipts grow, and dead row versions pile up (docs/deployment.md §2)"
)


def warn_without_autovacuum() -> None:
    """Say so when the server runs without autovacuum (a setting of the server, not of this stack)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (setting,) = cursor.fetchone()
    if setting != "on":
        print(AUTOVACUUM_OFF, file=sys.stderr, flush=True)


def main() -> None:
    from binhdan.places.models import Place

    warn_without_autovacuum()
    step("migrate", interactive=False, verbosity=0)
    step("createcachetable")
    # STATIC_ROOT is shared by every stack on the machine (the smoke test, a load test, make prod): one
    # collectstatic at a time, and the next one finds the files fresh and skips.
    Path(settings.STATIC_ROOT).parent.mkdir(parents=True, exist_ok=True)
    with open(Path(settings.STATIC_ROOT).parent / ".collectstatic.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if static_is_stale():
            step("collectstatic", interactive=False, verbosity=0)
    if Place.objects.count() < 3000:  # the official tree: 34 provinces, 3,321 communes
        step("load_places")
    if os.environ.get("PROD_DEMO", "1") == "1":
        step("load_demo", households_per_village=int(os.environ.get("PROD_DEMO_HOUSEHOLDS", "160")))


if __name__ == "__main__":
    main()
