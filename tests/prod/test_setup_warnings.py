"""scripts/prod/setup.py says when the server runs PostgreSQL without autovacuum (statistics go stale as
the visits grow; docs/deployment.md §2), and says nothing when it runs with it or on SQLite."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _setup_module():
    spec = importlib.util.spec_from_file_location("prod_setup", ROOT / "scripts" / "prod" / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # (django.setup() again: already set up, nothing happens)
    return module


@pytest.mark.django_db
def test_the_warning_follows_the_servers_autovacuum(capsys):
    setup = _setup_module()
    setup.warn_without_autovacuum()
    said = capsys.readouterr().err
    if connection.vendor != "postgresql":
        assert said == ""
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (setting,) = cursor.fetchone()
    assert (setup.AUTOVACUUM_OFF in said) is (setting != "on")


@pytest.mark.django_db
@pytest.mark.parametrize(("setting", "warned"), [("on", False), ("off", True)])
def test_each_setting_of_autovacuum(capsys, setting, warned):
    if connection.vendor != "postgresql":
        pytest.skip("autovacuum is PostgreSQL's")
    setup = _setup_module()

    class Answer:  # the server's answer to SHOW autovacuum, without asking it
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def execute(self, sql, params=None):
            assert sql == "SHOW autovacuum"

        def fetchone(self):
            return (setting,)

    with mock.patch.object(connection, "cursor", Answer):
        setup.warn_without_autovacuum()
    assert (setup.AUTOVACUUM_OFF in capsys.readouterr().err) is warned
