"""`load_demo` also fills the programmes: scam reports and a warning, a VNeID drive whose results moved the
registry, certificates of a class, device donations; each part is made once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from binhdan.certificates.models import Certificate
from binhdan.donations.models import Donation
from binhdan.fieldwork.models_scams import ScamReport, ScamWarning
from binhdan.programmes.models import Drive
from binhdan.registry.models import StatusObservation

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        ScamReport.objects.count(),
        ScamWarning.objects.count(),
        Drive.objects.count(),
        Certificate.objects.count(),
        Donation.objects.count(),
    )


def test_the_demo_shows_every_programme_once():
    out = io.StringIO()
    call_command("load_demo", "--households-per-village", "12", stdout=out)
    scams, warnings, drives, certificates, donations = _counts()
    assert scams > 0 and warnings == 1 and drives == 1 and certificates > 0 and donations > 0, out.getvalue()
    drive = Drive.objects.get()
    came = drive.invitees.filter(came=True)
    assert came.exists()
    assert StatusObservation.objects.filter(
        source_ref__startswith="drive:", resident__in=[i.resident_id for i in came]
    ).exists()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == (scams, warnings, drives, certificates, donations)
