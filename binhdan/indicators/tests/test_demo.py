"""The demo commune (`manage.py load_demo`) looks mid-plan: its main indicators sit between 20% and 90%
today and have risen over the last eight weeks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from binhdan.indicators import values as indicator_values
from binhdan.places.models import Place
from binhdan.registry.models import Household, HouseholdMove, Resident, SkillObservation

MID_PLAN = ("HH_DIGITAL", "HH_REACHED", "HH_GUIDED", "AD_SMARTPHONE", "CI_VNEID2", "AD_BASIC")
LOW, HIGH = 20, 90
WEEKS_BACK = 8


@pytest.mark.django_db
def test_the_demo_commune_is_mid_plan_and_rising():
    call_command("load_demo", stdout=None)
    commune = Place.objects.get(code="08866")
    today = timezone.localdate()
    now = {v.code: v for v in indicator_values.values(commune, today, with_pace=False)}
    then = {
        v.code: v
        for v in indicator_values.values(commune, today - dt.timedelta(weeks=WEEKS_BACK), with_pace=False)
    }
    shown = {code: (now[code].value, then[code].value) for code in MID_PLAN}
    for code in MID_PLAN:
        assert now[code].value is not None and LOW <= now[code].value <= HIGH, shown
        assert then[code].value is not None and now[code].value > then[code].value, shown

    households = Household.objects.filter(village__parent=commune)
    assert households.filter(registered_on=dt.date(2025, 10, 1)).count() > households.count() * 0.8
    assert households.filter(registered_on__gt=dt.date(2025, 10, 1)).exists()
    assert households.filter(left_on__isnull=False).exclude(left_reason="").exists()
    assert (
        Resident.objects.filter(household__in=households, left_on__isnull=False)
        .exclude(left_reason="")
        .exists()
    )
    assert HouseholdMove.objects.filter(household__in=households).count() == 2
    assert SkillObservation.objects.filter(resident__household__in=households, level=2).exists()
