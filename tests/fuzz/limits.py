"""The fuzz tests' bounds: fixed examples per test, no deadline, derandomized (the same examples on
every run, so CI is reproducible), no example database (nothing written under the working tree)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# `--hypothesis-profile=fuzz-deep` (tests/fuzz/conftest.py): ten times the examples of each test.
DEEP_FROM = 1000


def fuzz_settings(max_examples: int) -> settings:
    scale = 10 if settings.default.max_examples >= DEEP_FROM else 1
    return settings(
        max_examples=max_examples * scale,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
