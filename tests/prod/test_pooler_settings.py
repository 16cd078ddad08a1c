"""DATABASE_POOLER=pgbouncer (the production stack's DATABASE_URL goes through pgbouncer in transaction
pooling): server-side cursors off, long-lived checked connections; anything else is refused at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import json, config.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['CONN_MAX_AGE'], d.get('CONN_HEALTH_CHECKS', False)]))"
)


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_POOLER", "DB_CONN_MAX_AGE"}
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
    assert json.loads(done.stdout) == [True, 600, True]


def test_without_a_pooler_nothing_changes():
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan")
    assert json.loads(done.stdout) == [False, 60, False]


def test_sqlite_ignores_the_pooler():
    done = _settings(DATABASE_URL="sqlite:///tmp/x.sqlite3", DATABASE_POOLER="pgbouncer")
    assert json.loads(done.stdout) == [False, 0, False]


def test_an_unknown_pooler_is_refused():
    done = _settings(DATABASE_URL="postgres://binhdan@127.0.0.1:5432/binhdan", DATABASE_POOLER="pgpool")
    assert done.returncode != 0 and "DATABASE_POOLER" in done.stderr
