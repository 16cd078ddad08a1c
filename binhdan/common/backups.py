"""Back up the configured database to one file and restore such a file into it (`make backup`, `make restore`).

- SQLite: a consistent copy through SQLite's online backup API (never a `cp` of a live WAL database),
  made self-contained (rollback journal, no -wal file) — `<timestamp>-<name>.sqlite3`.
- PostgreSQL: `pg_dump -Fc` (one snapshot) — `<timestamp>-<database>.pgdump`. Restored with
  `pg_restore --clean --if-exists --no-owner --no-acl`, run by psql as ONE transaction together with the
  dropping of tables that the backup does not have (made by migrations newer than it): a failed restore
  changes nothing.

A file is checked before anything is changed: it must exist, be of the configured database's kind and be
a binhdan database (a `django_migrations` table and the places table); a backup with migrations this code
does not know (made by newer code) is refused. After a restore, `migrate` brings an older backup up to
this code's schema. Backups hold personal data: the folder is made 0700 and every file 0600.

Messages are Vietnamese (operators read them); refusals raise `BackupError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump, pg_restore, psql: fixed argument lists, no shell
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# A binhdan database has Django's migration table and the places tree (the lowest domain app).
MARKER_TABLES = ("django_migrations", "places_place")
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A refusal or a failure, with a Vietnamese message for the operator."""


@dataclass(frozen=True)
class Database:
    """What a backup needs to know about one configured database."""

    vendor: str  # "sqlite" or "postgresql"
    settings: dict[str, Any]

    @classmethod
    def configured(cls, alias: str = "default") -> Database:
        settings_dict = connections[alias].settings_dict
        engine = settings_dict["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", dict(settings_dict))
        if "postgresql" in engine:
            return cls("postgresql", dict(settings_dict))
        raise BackupError(f"Chỉ sao lưu được SQLite và PostgreSQL, không sao lưu được {engine}.")

    @property
    def label(self) -> str:
        return f"{KIND_NAMES[self.vendor]} “{self.name}”"

    @property
    def name(self) -> str:
        return str(self.settings["NAME"])

    def sqlite_path(self) -> Path:
        name = self.name
        if name == ":memory:" or "mode=memory" in name:
            raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu hay khôi phục được.")
        return Path(name)

    def pg_env(self) -> dict[str, str]:
        """The libpq environment for pg_dump/pg_restore/psql (no password on a command line)."""
        s, options = self.settings, self.settings.get("OPTIONS") or {}
        env = dict(os.environ)
        pairs = {
            "PGDATABASE": s.get("NAME"),
            "PGUSER": s.get("USER"),
            "PGPASSWORD": s.get("PASSWORD"),
            "PGHOST": s.get("HOST"),
            "PGPORT": s.get("PORT"),
            "PGSSLMODE": options.get("sslmode"),
        }
        env.update({key: str(value) for key, value in pairs.items() if value})
        return env


def kind_of_file(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; BackupError for a missing or foreign file."""
    if not path.is_file():
        raise BackupError(f"Không có tệp sao lưu “{path}”.")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"Tệp “{path}” không phải bản sao lưu của binhdan (không phải cơ sở dữ liệu SQLite hay tệp pg_dump)."
    )


def _backup_name(directory: Path, stem: str, suffix: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "binhdan"
    target = directory / f"{stamp}-{safe}{suffix}"
    serial = 2
    while target.exists():  # two backups in the same second
        target = directory / f"{stamp}-{safe}-{serial}{suffix}"
        serial += 1
    return target


def _private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"Không tìm thấy lệnh {name} (cài gói postgresql-client cùng phiên bản với máy chủ)."
        )
    return found


def _run(command: list[str], *, env: dict[str, str], what: str) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(command, env=env, capture_output=True, check=False)  # nosec B603  # fixed list
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise BackupError(f"{what} không thành công: {detail[-800:] or f'mã {result.returncode}'}")
    return result


# --- backup -------------------------------------------------------------------------------------------


def backup(*, directory: Path, database: Database | None = None) -> Path:
    """Write a backup of the database into `directory` and return its path (written whole, then renamed)."""
    database = database or Database.configured()
    _private_dir(directory)
    if database.vendor == "sqlite":
        source_path = database.sqlite_path()
        if not source_path.is_file():
            raise BackupError(f"Không có cơ sở dữ liệu SQLite “{source_path}” để sao lưu.")
        target = _backup_name(directory, source_path.stem, ".sqlite3")
        partial = target.with_name(target.name + ".part")
        source = sqlite3.connect(source_path, timeout=30)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)  # one step: a consistent snapshot, also of a WAL database in use
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
                    raise BackupError(f"Bản sao của “{source_path}” bị lỗi; chưa ghi bản sao lưu.")
            finally:
                copy.close()
        finally:
            source.close()
    else:
        target = _backup_name(directory, database.name, ".pgdump")
        partial = target.with_name(target.name + ".part")
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"],
            env=database.pg_env(),
            what=f"Sao lưu {database.label} (pg_dump)",
        )
    partial.chmod(0o600)
    partial.rename(target)
    return target


# --- reading a backup ---------------------------------------------------------------------------------


def _sqlite_tables_and_migrations(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as handle:
            tables = {row[0] for row in handle.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not set(MARKER_TABLES) <= tables:
                return tables, set()
            if handle.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"Tệp sao lưu “{path}” bị hỏng (SQLite quick_check không đạt).")
            rows = handle.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"Tệp sao lưu “{path}” bị hỏng hoặc không đọc được ({error}).") from error
    return tables, {(app, name) for app, name in rows}


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def _pgdump_tables_and_migrations(path: Path, env: dict[str, str]) -> tuple[set[str], set[tuple[str, str]]]:
    listing = _run([_tool("pg_restore"), "--list", str(path)], env=env, what=f"Đọc tệp “{path}”")
    tables = {m.group(2) for line in listing.stdout.decode().splitlines() if (m := _TOC_TABLE.match(line))}
    if not set(MARKER_TABLES) <= tables:
        return tables, set()
    data = _run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)],
        env=env,
        what=f"Đọc tệp “{path}”",
    )
    migrations: set[tuple[str, str]] = set()
    copying = False
    for line in data.stdout.decode().splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            columns = line[line.index("(") + 1 : line.index(")")].split(", ")
            app_at, name_at = columns.index("app"), columns.index("name")
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            values = line.split("\t")
            migrations.add((values[app_at], values[name_at]))
    return tables, migrations


def _unknown_migrations(applied: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Migrations recorded in the backup that this code does not have (the backup is newer)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    apps = {app for app, _ in known}
    return sorted(key for key in applied if key[0] in apps and key not in known)


# --- restore ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    path: Path
    database: str
    migrations_applied: int


def check(path: Path, database: Database | None = None) -> Database:
    """Refuse (BackupError) a file that cannot be restored into the database; nothing is changed."""
    database = database or Database.configured()
    kind = kind_of_file(path)
    if kind != database.vendor:
        raise BackupError(
            f"Tệp “{path}” là bản sao lưu {KIND_NAMES[kind]}, còn cơ sở dữ liệu đang cấu hình là "
            f"{database.label}: không khôi phục được sang loại khác."
        )
    if kind == "sqlite":
        tables, applied = _sqlite_tables_and_migrations(path)
    else:
        tables, applied = _pgdump_tables_and_migrations(path, database.pg_env())
    if not set(MARKER_TABLES) <= tables or not applied:
        raise BackupError(
            f"Tệp “{path}” không phải bản sao lưu của binhdan (thiếu bảng django_migrations, places_place)."
        )
    unknown = _unknown_migrations(applied)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:5]) + ("…" if len(unknown) > 5 else "")
        raise BackupError(
            f"Bản sao lưu “{path}” được tạo bởi phiên bản mới hơn mã nguồn này (có migration {listed}). "
            "Hãy cập nhật mã nguồn rồi khôi phục lại."
        )
    return database


def restore(*, path: Path, alias: str = "default") -> Restored:
    """Replace the database's content with the backup's, then `migrate` (a backup older than the code)."""
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    database = check(path, Database.configured(alias))
    if database.vendor == "sqlite":
        connections.close_all()
        _restore_sqlite(path, database.sqlite_path())
    else:
        _restore_postgresql(path, database, alias)
    connections.close_all()
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    return Restored(path=path, database=database.label, migrations_applied=len(pending))


def _restore_sqlite(path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=30)
        try:
            # Page by page under the destination's write lock: readers see the old or the new database.
            source.backup(destination)
        except sqlite3.Error as error:
            raise BackupError(f"Khôi phục vào “{target}” không thành công ({error}).") from error
        finally:
            destination.close()
    finally:
        source.close()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _restore_postgresql(path: Path, database: Database, alias: str) -> None:
    env = database.pg_env()
    listing = _run([_tool("pg_restore"), "--list", str(path)], env=env, what=f"Đọc tệp “{path}”")
    in_backup = {
        (m.group(1), m.group(2))
        for line in listing.stdout.decode().splitlines()
        if (m := _TOC_TABLE.match(line))
    }
    schemas = sorted({schema for schema, _ in in_backup})
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT schemaname, tablename FROM pg_catalog.pg_tables WHERE schemaname = ANY(%s)", [schemas]
            )
            present = {(schema, table) for schema, table in cursor.fetchall()}
    except DatabaseError as error:
        raise BackupError(f"Không kết nối được {database.label} ({error}).") from error
    connections.close_all()  # no session of ours holds a lock on a table being dropped
    # Tables made by migrations newer than the backup: dropped in the same transaction, so that the
    # database is exactly the backup's before `migrate` makes them again.
    extra = sorted(present - in_backup)
    prefix = "".join(f"DROP TABLE IF EXISTS {_quote(s)}.{_quote(t)} CASCADE;\n" for s, t in extra)
    # Errors go to files, so that neither process can block on a full pipe while the script streams.
    with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen(  # nosec B603  # a fixed argument list
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-acl", "--file=-", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=script_err,
        )
        psql = subprocess.Popen(  # nosec B603  # a fixed argument list
            [_tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction",
             "--set=ON_ERROR_STOP=1", "--file=-"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
        )  # fmt: skip
        assert script.stdout is not None and psql.stdin is not None
        try:
            psql.stdin.write(prefix.encode())
            shutil.copyfileobj(script.stdout, psql.stdin, 1 << 20)
        except BrokenPipeError:
            pass  # psql stopped at an error (rolled back): its message follows
        script.stdout.close()
        if script.wait() != 0:
            # A truncated or damaged file: psql must not reach the end of its input, where it would
            # commit the part it was given. Killed, its connection drops and the transaction is undone.
            psql.kill()
        else:
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
        psql.wait()
        script_err.seek(0)
        psql_err.seek(0)
        script_message = script_err.read().decode("utf-8", "replace").strip()[-800:]
        psql_message = psql_err.read().decode("utf-8", "replace").strip()[-800:]
    if script.returncode != 0:
        raise BackupError(f"Đọc tệp “{path}” không thành công: {script_message}")
    if psql.returncode != 0:
        raise BackupError(
            f"Khôi phục vào {database.label} không thành công, cơ sở dữ liệu giữ nguyên như trước: "
            f"{psql_message}"
        )
