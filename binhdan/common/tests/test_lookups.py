"""`field__among=ids` (common.lookups): the same rows as `__in`, with the ids sent as one value."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from binhdan.common.lookups import as_ids
from binhdan.common.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs():
    users = [get_user_model().objects.create_user(f"nguoi-{n}") for n in range(3)]
    return [
        Job.objects.create(kind="thu", title=f"Việc {n}", done=n, total=10, created_by=users[n % 3])
        for n in range(12)
    ], users


def _titles(queryset) -> list[str]:
    return sorted(queryset.values_list("title", flat=True))


def test_it_finds_the_rows_in_finds(jobs):
    wanted = [0, 3, 3, 7, 11, 99]  # a repeated id and one no row has
    assert _titles(Job.objects.filter(done__among=wanted)) == _titles(Job.objects.filter(done__in=wanted))
    assert _titles(Job.objects.filter(done__among=wanted)) == ["Việc 0", "Việc 11", "Việc 3", "Việc 7"]


def test_foreign_keys_negation_and_subqueries(jobs):
    _, users = jobs
    first = [users[0].pk]
    assert _titles(Job.objects.filter(created_by_id__among=first)) == _titles(
        Job.objects.filter(created_by_id__in=first)
    )
    assert _titles(Job.objects.exclude(done__among=[1, 2])) == _titles(Job.objects.exclude(done__in=[1, 2]))
    assert _titles(Job.objects.filter(Q(done__among=[1]) | Q(done__among=[2]))) == ["Việc 1", "Việc 2"]
    some_users = get_user_model().objects.filter(pk__in=[users[1].pk, users[2].pk]).values("pk")
    assert _titles(Job.objects.filter(created_by_id__among=some_users)) == _titles(
        Job.objects.filter(created_by_id__in=some_users)
    )


def test_no_ids_no_rows(jobs):
    assert not Job.objects.filter(done__among=[]).exists()
    assert Job.objects.exclude(done__among=[]).count() == 12


def test_thousands_of_ids_are_one_value(jobs):
    ids = list(range(5000))
    with CaptureQueriesContext(connection) as queries:
        assert Job.objects.filter(done__among=ids).count() == 12
    (query,) = queries.captured_queries
    if connection.vendor == "postgresql":
        assert "= ANY(" in query["sql"]
    else:
        assert "json_each" in query["sql"]
    _, params = Job.objects.filter(done__among=ids).query.sql_with_params()
    assert len(params) == 1


@pytest.mark.parametrize("bad", [True, 1.5, "3", None, 2**63, -(2**63) - 1])
def test_only_integer_ids(bad):
    with pytest.raises(TypeError):
        as_ids([1, bad])
    with pytest.raises(TypeError):
        Job.objects.filter(done__among=[1, bad])


def test_the_largest_ids_pass():
    assert as_ids([2**63 - 1, -(2**63)]) == [2**63 - 1, -(2**63)]


def test_a_subquery_is_not_sorted(jobs):
    ordered = get_user_model().objects.order_by("username").values("pk")
    sql = str(Job.objects.filter(created_by_id__among=ordered).order_by().query)
    assert "ORDER BY" not in sql  # not the users' order inside
    assert Job.objects.filter(created_by_id__among=ordered).count() == 12
