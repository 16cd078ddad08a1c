"""The command-line view of the indicators: JSON values and the ids behind a number, as the pages show."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from binhdan.indicators import rollup
from binhdan.indicators.models import Delta, StateSpan, Total
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.testing.indicators import rollup_rows

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("indicator_values", *args, stdout=out)
    return out.getvalue()


def test_json_values_and_the_ids_behind_a_number(world):
    today = timezone.localdate()
    registry.record_status(
        by=world.officer, resident=world.resident_a, observed_on=today, source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip
    data = json.loads(_run("--place", world.commune.code, "--date", today.isoformat(), "--json"))
    assert data["place"] == world.commune.code and data["date"] == today.isoformat()
    assert len(data["core_skills"]) == 5
    by_code = {i["code"]: i for i in data["indicators"]}
    assert set(by_code["AD_SMARTPHONE"]) == {
        "code",
        "name",
        "numerator",
        "denominator",
        "value",
        "target",
        "deadline",
    }
    assert (by_code["AD_SMARTPHONE"]["numerator"], by_code["AD_SMARTPHONE"]["denominator"]) == (1, 2)
    assert by_code["AD_SMARTPHONE"]["value"] == 50.0
    listed = json.loads(
        _run("--place", world.commune.code, "--indicator", "AD_SMARTPHONE", "--list", "numerator", "--json")
    )
    assert listed["ids"] == [world.resident_a.pk]
    plain = _run("--place", world.commune.code, "--indicator", "AD_SMARTPHONE", "--list", "denominator")
    assert sorted(int(x) for x in plain.split()) == sorted([world.resident_a.pk, world.resident_b.pk])
    # Before anyone was registered, nobody counts.
    past = json.loads(_run("--place", world.commune.code, "--date", "2020-01-01", "--json"))
    assert {i["code"]: i["denominator"] for i in past["indicators"]}["AD_SMARTPHONE"] == 0


@pytest.mark.parametrize("args", [["--place", "nope"], ["--place", "08866", "--date", "2025-02-30"],
                                  ["--place", "08866", "--indicator", "AD_BASIC"],
                                  ["--place", "08866", "--indicator", "XX", "--list", "numerator"],
                                  ["--place", "08866", "--indicator", "MB_10HH", "--list", "numerator"]])  # fmt: skip
def test_bad_arguments_are_told_in_vietnamese(world, args):
    with pytest.raises(CommandError):
        _run(*args)


def test_rebuild_gives_the_same_rollups_as_the_write_path(world):
    today = timezone.localdate()
    registry.record_status(
        by=world.officer, resident=world.resident_b, observed_on=today - dt.timedelta(days=0), source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.VNEID_LEVEL, 2, Evidence.CONFIRMED)],
    )  # fmt: skip
    rollup.catch_up()
    before = rollup_rows()
    out = io.StringIO()
    call_command("rebuild_indicators", stdout=out)
    assert "Đã tính lại: 3 hộ" in out.getvalue()
    after = (
        sorted(Delta.objects.values_list("place_id", "indicator_id", "day", "num", "den")),
        sorted(Total.objects.values_list("place_id", "indicator_id", "num", "den")),
        sorted(
            StateSpan.objects.values_list("kind", "entity_id", "village_id", "starts_on", "ends_on", "mask")
        ),
    )
    assert before == after
