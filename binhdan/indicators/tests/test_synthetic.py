"""generate_synthetic at a small size: the counts asked for, a believable history, values after rebuild."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from binhdan.accounts.models import User
from binhdan.fieldwork.models import ClassAttendance, Team, Visit, VisitPerson, WorkTime
from binhdan.indicators import values as indicator_values
from binhdan.indicators.management.commands.generate_synthetic import SYNTHETIC_PROVINCE_CODE
from binhdan.places.models import Place
from binhdan.registry.models import Household, HouseholdMove, Resident, SkillObservation, StatusObservation

SMALL = [
    "--communes", "2", "--villages-per-commune", "3", "--households", "240", "--residents", "800",
    "--visits", "2400", "--classes-per-commune", "4", "--class-size", "10",
]  # fmt: skip


def _counts() -> tuple[int, ...]:
    province = Place.objects.get(code=SYNTHETIC_PROVINCE_CODE)
    households = Household.objects.filter(village__parent__parent=province)
    return (
        Place.objects.filter(parent=province).count(),
        Place.objects.filter(parent__parent=province).count(),
        households.count(),
        Resident.objects.filter(household__in=households).count(),
        Visit.objects.filter(household__in=households).count(),
    )


@pytest.mark.django_db
def test_a_small_synthetic_province_has_the_sizes_asked_and_values_after_rebuild(capsys):
    call_command("generate_synthetic", *SMALL)
    out = capsys.readouterr().out
    assert "rollup.rebuild()" in out
    assert _counts() == (2, 6, 240, 800, 2400)
    province = Place.objects.get(code=SYNTHETIC_PROVINCE_CODE)
    assert Team.objects.filter(village__parent__parent=province).count() == 6
    assert VisitPerson.objects.exists() and ClassAttendance.objects.exists() and WorkTime.objects.exists()
    assert StatusObservation.objects.filter(source="import").exists()
    assert SkillObservation.objects.filter(level=2).exists()
    households = Household.objects.filter(village__parent__parent=province)
    assert households.filter(registered_on__gt="2025-10-01").exists()
    assert households.filter(registered_on="2025-10-01").count() > households.count() / 2
    # Ids were reserved from the sequences: the next ORM insert does not collide.
    assert User.objects.filter(username="syn.quantri", is_superuser=True).exists()

    today = timezone.localdate()
    figures = {v.code: v for v in indicator_values.values(province, today, with_pace=False)}
    assert figures["HH_GUIDED"].denominator == households.present_on(today).count()
    for code in ("HH_REACHED", "HH_GUIDED", "AD_SMARTPHONE", "CI_VNEID2"):
        assert figures[code].value is not None and 0 < figures[code].value < 100, code
    commune = Place.objects.filter(parent=province).first()
    assert {v.code for v in indicator_values.values(commune, today)} >= {"HH_DIGITAL", "AD_BASIC"}


@pytest.mark.django_db
def test_moves_and_leaving_are_part_of_the_history():
    call_command(
        "generate_synthetic", "--communes", "1", "--villages-per-commune", "4", "--households", "1500",
        "--residents", "4000", "--visits", "3000", "--skip-rebuild",
    )  # fmt: skip
    province = Place.objects.get(code=SYNTHETIC_PROVINCE_CODE)
    households = Household.objects.filter(village__parent__parent=province)
    assert households.filter(left_on__isnull=False).exclude(left_reason="").exists()
    assert HouseholdMove.objects.filter(household__in=households).exists()
    assert Resident.objects.filter(household__in=households, left_on__isnull=False).exists()


@pytest.mark.django_db
def test_it_refuses_a_second_province_without_reset_and_reset_replaces_it(capsys):
    tiny = ["--communes", "1", "--villages-per-commune", "1", "--households", "5", "--residents", "12",
            "--visits", "10", "--skip-rebuild"]  # fmt: skip
    call_command("generate_synthetic", *tiny)
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_synthetic", *tiny)
    call_command("generate_synthetic", *tiny, "--reset")
    assert _counts() == (1, 1, 5, 12, 10)
    assert Household.objects.create(village=Place.objects.get(code="SYN-001-01"), head_name="Lê Văn Mới").pk


@pytest.mark.django_db
def test_big_sizes_are_refused_on_sqlite():
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the limit is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_synthetic", "--households", "300000")
