"""DATABASE_POOLER=pgbouncer (the production stack's job workers go through pgbouncer in transaction
pooling): server-side cursors off, long-lived checked connections, no prepared statements; anything else
is refused at start. Without it (the stack's web tier, PostgreSQL itself) statements are prepared, and
DB_CONN_HEALTH_CHECKS checks its long-lived connections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import json, config.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['CONN_MAX_AGE'], d.get('CONN_HEALTH_CHECKS', False), "
    "d.get('PREPARED_STATEMENTS', False)]))"
)


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DATABASE_POOLER",
            "DB_CONN_MAX_AGE",
            "DB_PREPARED_STATEMENTS",
            "DB_CONN_HEALTH_CHECKS",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env={**clean, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
    )


def test_pgbouncer_turns_off_server_side_cursors_and_keeps_connections():
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:6433/binhdan", DATABASE_POOLER="pgbouncer")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, 600, True, False]
    # (told that this pgbouncer keeps them — session pooling — statements are prepared after all)
    done = _settings(
        DATABASE_URL="postgres://binhdan@127.0.0.1:6433/binhdan",
        DATABASE_POOLER="pgbouncer",
        DB_PREPARED_STATEMENTS="1",
    )
    assert json.loads(done.stdout) == [True, 600, True, True]


def test_without_a_pooler_statements_are_prepared_and_the_rest_is_django_s():
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan")
    assert json.loads(done.stdout) == [False, 60, False, True]


def test_the_stack_s_web_tier_keeps_checked_connections_and_can_turn_preparing_off():
    done = _settings(
        DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan",
        DB_CONN_MAX_AGE="600",
        DB_CONN_HEALTH_CHECKS="1",
    )
    assert json.loads(done.stdout) == [False, 600, True, True]
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan", DB_PREPARED_STATEMENTS="0")
    assert json.loads(done.stdout) == [False, 60, False, False]


def test_sqlite_ignores_the_pooler():
    done = _settings(DATABASE_URL="sqlite:///tmp/x.sqlite3", DATABASE_POOLER="pgbouncer")
    assert json.loads(done.stdout) == [False, 0, False, False]


def test_an_unknown_pooler_is_refused():
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan", DATABASE_POOLER="pgpool")
    assert done.returncode != 0 and "DATABASE_POOLER" in done.stderr
