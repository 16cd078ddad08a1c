"""The restore drill (issue 14): back up with `scripts/backup.sh`, change data in several tables, restore with
`scripts/restore.sh`, and every table of the database holds exactly the rows it held before the change.

The database under the drill is a copy of the test database (the personas' world, committed): a file in a
temporary folder on SQLite, a database of its own on PostgreSQL (made from the test database as a template,
dropped afterwards). The scripts run as `make backup` / `make restore` run them, with DATABASE_URL set.
Checksums come from the catalogue (sqlite_master, pg_tables), not from Django's models: a table no model
knows is compared too.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from binhdan.common.backups import BackupError, Database, check
from binhdan.testing.personas import build_world

ROOT = Path(__file__).resolve().parent.parent
# The drills need committed rows (a copy of the database is made from them); the refusals need no database.
drill_database = pytest.mark.django_db(transaction=True)
ENGINE = settings.DATABASES["default"]["ENGINE"]
# Decided before the database is set up, so that a skipped drill costs no flush of the test database.
sqlite_only = pytest.mark.skipif(
    not ENGINE.endswith("sqlite3"), reason="the SQLite drills run in the SQLite suite"
)
postgresql_only = pytest.mark.skipif(
    "postgresql" not in ENGINE, reason="the PostgreSQL drill runs in the PostgreSQL suite"
)


def run(script: str, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=database_url, DEBUG="0", SECRET_KEY="test-secret-key-for-the-restore-drill")
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def digest(columns: list[str], rows: list[str]) -> str:
    """The table's column names and every row, in a fixed (sorted) order, as one hash; with the row count."""
    hashed = hashlib.sha256(repr(columns).encode())
    for row in sorted(rows):
        hashed.update(row.encode() + b"\n")
    return f"{len(rows)} rows {hashed.hexdigest()}"


def sqlite_checksums(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        sums = {}
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')  # nosec B608  # names from sqlite_master
            sums[table] = digest([d[0] for d in cursor.description], [repr(row) for row in cursor])
    return sums


def change_data(db: Any) -> None:
    """Updates, inserts and deletes in several tables, and a table the backup does not have."""
    statements = [
        "UPDATE registry_household SET head_name = head_name || ' (đã sửa)'",
        "UPDATE registry_resident SET full_name = 'Người khác' WHERE id = (SELECT MIN(id) FROM registry_resident)",
        "UPDATE places_place SET name = name || ' mới' WHERE parent_id IS NULL",
        "UPDATE accounts_user SET full_name = 'Tên khác', is_active = FALSE WHERE username = 'tovien.a'",
        "DELETE FROM accounts_role WHERE id = (SELECT MIN(id) FROM accounts_role)",
        "DELETE FROM accounts_auditevent",
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('restore-drill', 'x', '2030-01-01 00:00:00')",
        "INSERT INTO binhdan_cache (cache_key, value, expires) VALUES ('drill', 'x', '2030-01-01 00:00:00')",
        "CREATE TABLE restore_drill_extra (id integer PRIMARY KEY, note text)",
        "INSERT INTO restore_drill_extra VALUES (1, 'thêm sau khi sao lưu')",
    ]
    for statement in statements:
        db.execute(statement)
    db.commit()


def drill(
    *, database_url: str, checksums: Callable[[], dict[str, str]], connect: Callable[[], Any], tmp_path: Path
) -> None:
    before = checksums()
    assert before["registry_household"].startswith("3 rows")  # the personas' world is there

    made = run("backup.sh", "--dir", str(tmp_path / "backups"), database_url=database_url)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert backup.parent == tmp_path / "backups" and backup.is_file()
    assert backup.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    with closing(connect()) as db:
        change_data(db)
    changed = checksums()
    assert changed != before
    assert {t for t in changed if changed[t] != before.get(t)} >= {
        "registry_household", "places_place", "accounts_role", "django_session", "restore_drill_extra",
    }  # fmt: skip

    restored = run("restore.sh", str(backup), "--noinput", database_url=database_url)
    assert restored.returncode == 0, restored.stderr
    assert "Đã khôi phục" in restored.stdout
    assert checksums() == before


@sqlite_only
@drill_database
def test_sqlite_restore_drill_brings_back_every_table(tmp_path: Path) -> None:
    build_world()
    database = tmp_path / "binhdan.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(database)) as copy:
        connection.connection.backup(copy)  # the committed test database, as a file
    drill(
        database_url=f"sqlite:///{database}",
        checksums=lambda: sqlite_checksums(database),
        connect=lambda: sqlite3.connect(database),
        tmp_path=tmp_path,
    )


@sqlite_only  # one database is enough to show the migrate step
@drill_database
def test_an_older_backup_is_restored_then_migrated(tmp_path: Path) -> None:
    database = tmp_path / "binhdan.sqlite3"
    connection.ensure_connection()
    with closing(sqlite3.connect(database)) as copy:
        connection.connection.backup(copy)
    url = f"sqlite:///{database}"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=url, DEBUG="1")
    # The backup is made by older code: one without the donations app's tables.
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "donations", "zero", "-v0"],
                   env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)  # fmt: skip
    made = run("backup.sh", "--dir", str(tmp_path / "backups"), database_url=url)
    assert made.returncode == 0, made.stderr
    with closing(sqlite3.connect(database)) as db:
        db.execute("DELETE FROM django_migrations WHERE app = 'donations'")  # changed after the backup
        db.commit()

    restored = run("restore.sh", made.stdout.strip().splitlines()[-1], "--noinput", database_url=url)
    assert restored.returncode == 0, restored.stderr
    assert "Bản sao lưu cũ hơn mã nguồn: đã chạy migrate (1 migration)." in restored.stdout
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'donations_donation'").fetchone()
        assert db.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'donations'").fetchone() == (1,)


@pytest.fixture
def own_postgres_database() -> Iterator[str]:
    """A database of this test's own, copied from the test database; dropped afterwards."""
    import psycopg

    db = connection.settings_dict
    template = db["NAME"]
    name = f"{template}_drill_{uuid.uuid4().hex[:8]}"
    params = {
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
    }
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    server = f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    connection.close()  # a template must have no session
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        except psycopg.errors.ObjectInUse:
            # Another session of this test run still holds the test database (a thread's connection):
            # copy it through plain SQL instead.
            admin.execute(f'CREATE DATABASE "{name}"')
            dump = subprocess.run(
                ["pg_dump", "--no-owner", f"{server}/{template}"],
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{server}/{name}"], input=dump.stdout,
                           check=True, capture_output=True, timeout=120)  # fmt: skip
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_checksums(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public'")
        ]
        sums = {}
        for table in tables:
            columns = [
                row[0]
                for row in db.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    [table],
                )
            ]
            rows = [row[0] for row in db.execute(f'SELECT t::text FROM public."{table}" t')]  # nosec B608
            sums[table] = digest(columns, rows)
        # The sequences too: a restore puts every id counter back.
        for sequence, last_value in db.execute(
            "SELECT sequencename, last_value FROM pg_catalog.pg_sequences WHERE schemaname = 'public'"
        ):
            sums[f"sequence {sequence}"] = str(last_value)
    return sums


@postgresql_only
@drill_database
def test_postgresql_restore_drill_brings_back_every_table(tmp_path: Path, request: Any) -> None:
    import psycopg

    build_world()
    url = request.getfixturevalue("own_postgres_database")
    drill(
        database_url=url,
        checksums=lambda: postgres_checksums(url),
        connect=lambda: psycopg.connect(url),
        tmp_path=tmp_path,
    )


# --- refusals: nothing is changed ---------------------------------------------------------------------


def test_restore_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không có tệp sao lưu"):
        call_command("restore_db", str(tmp_path / "khong-co.sqlite3"), interactive=False)


def test_restore_without_a_file_says_how_to_name_one() -> None:
    with pytest.raises(CommandError, match="make restore BACKUP="):
        call_command("restore_db", interactive=False)


def test_restore_refuses_a_foreign_file(tmp_path: Path) -> None:
    junk = tmp_path / "anh.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a backup" * 100)
    with pytest.raises(CommandError, match="không phải bản sao lưu của binhdan"):
        call_command("restore_db", str(junk), interactive=False)


def test_restore_refuses_another_sqlite_database(tmp_path: Path) -> None:
    other = tmp_path / "khac.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes (id integer, text text)")
    with pytest.raises(BackupError, match="không phải bản sao lưu của binhdan"):
        check(other, Database("sqlite", {"NAME": str(tmp_path / "binhdan.sqlite3")}))


def test_restore_refuses_a_backup_of_the_other_kind(tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        other = tmp_path / "binhdan.pgdump"
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        expected = "là bản sao lưu PostgreSQL, còn cơ sở dữ liệu đang cấu hình là SQLite"
    else:
        other = tmp_path / "binhdan.sqlite3"
        with closing(sqlite3.connect(other)) as db:
            db.execute("CREATE TABLE django_migrations (id integer, app text, name text, applied text)")
        expected = "là bản sao lưu SQLite, còn cơ sở dữ liệu đang cấu hình là PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        call_command("restore_db", str(other), interactive=False)


def test_restore_refuses_a_backup_made_by_newer_code(tmp_path: Path) -> None:
    newer = tmp_path / "moi-hon.sqlite3"
    with closing(sqlite3.connect(newer)) as db:
        db.execute("CREATE TABLE places_place (id integer)")
        db.execute("CREATE TABLE django_migrations (id integer, app text, name text, applied text)")
        db.execute("INSERT INTO django_migrations VALUES (1, 'places', '0001_initial', '2026-01-01')")
        db.execute("INSERT INTO django_migrations VALUES (2, 'places', '9999_from_the_future', '2027-01-01')")
        db.commit()
    with pytest.raises(BackupError, match=r"phiên bản mới hơn mã nguồn này \(có migration places.9999_from"):
        check(newer, Database("sqlite", {"NAME": str(tmp_path / "binhdan.sqlite3")}))


def test_backup_of_an_in_memory_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="trong bộ nhớ"):
        Database("sqlite", {"NAME": ":memory:"}).sqlite_path()
