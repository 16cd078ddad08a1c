from __future__ import annotations

import pytest

from tests.fault import stack


@pytest.fixture(scope="session")
def fault_database(tmp_path_factory):
    """One migrated database for every fault test of the session (migrating costs half a minute):
    SQLite in a file, or on PostgreSQL a private cluster that the tests may restart."""
    with stack.database(tmp_path_factory.mktemp("fault"), private=True) as (url, cluster):
        yield url, cluster


@pytest.fixture
def server_env(fault_database):
    url, _cluster = fault_database
    return {**stack.base_env(), "DATABASE_URL": url}
