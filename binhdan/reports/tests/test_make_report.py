"""`manage.py make_report`: each kind from the data, the DOCX's figures equal `indicator_values` for that place
and reference date, a submitted report prints as it was frozen, wrong arguments are told in Vietnamese."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document

from binhdan.fieldwork import visit_days
from binhdan.fieldwork.models import Campaign, WorkTime
from binhdan.registry import services as registry
from binhdan.registry.models import Evidence, Source, StatusField
from binhdan.reports import services
from binhdan.reports.models import ReportKind
from binhdan.reports.periods import quarter_of
from binhdan.testing import indicators as data

pytestmark = pytest.mark.django_db


def _indicator_values(place, day) -> dict[str, dict]:
    out = io.StringIO()
    call_command("indicator_values", "--place", place.code, "--date", day.isoformat(), "--json", stdout=out)
    return {i["name"]: i for i in json.loads(out.getvalue())["indicators"]}


def _make(tmp_path, *args: str, fmt: str = "docx") -> tuple[str, bytes]:
    target = tmp_path / f"out.{fmt}"
    out = io.StringIO()
    call_command("make_report", *args, "--format", fmt, "--out", str(target), stdout=out)
    return out.getvalue(), target.read_bytes()


def _count(text: str) -> int:
    return int(text.replace(".", "").strip())


def _indicator_rows(path) -> dict[str, tuple[int, int]]:
    """{indicator name: (numerator, denominator)} read back from the DOCX's indicators table."""
    document = Document(str(path))
    for table in document.tables:
        header = [c.text.strip() for c in table.rows[0].cells]
        if "Chỉ tiêu" in header and any(h.startswith("Kết quả") for h in header):
            name_at = header.index("Chỉ tiêu")
            count_at = next(i for i, h in enumerate(header) if h.startswith("Kết quả"))
            rows = {}
            for row in table.rows[1:]:
                cells = [c.text.strip() for c in row.cells]
                shown = cells[count_at]
                # No one to count (an empty denominator) is printed as a bare "0" or "—".
                num, den = (
                    shown.split("/") if "/" in shown else ("0", "0") if shown in ("0", "—") else (shown, "")
                )
                rows[unicodedata.normalize("NFC", cells[name_at])] = (_count(num), _count(den))
            return rows
    raise AssertionError("the DOCX has no indicators table")


@pytest.fixture
def busy(world):
    """Some data: statuses, a visit with guidance, work time, a campaign."""
    today = timezone.localdate()
    for person in (world.resident_a, world.resident_b):
        registry.record_status(
            by=world.officer, resident=person, observed_on=today - dt.timedelta(days=2), source=Source.OFFICER,
            facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN),
                   registry.StatusFact(StatusField.VNEID_LEVEL, 2, Evidence.CONFIRMED)],
        )  # fmt: skip
    home = data.household(world.village_a, today - dt.timedelta(days=20))
    data.visit(home, data.local(today, 9), by=world.member_a)
    visit_days.add([(world.village_a.pk, world.member_a.pk, today, 2)])
    WorkTime.objects.create(uuid=uuid.uuid4(), user=world.member_a, day=today, hours="4")
    campaign = Campaign.objects.create(
        name="Chiến dịch Đi từng ngõ",
        commune=world.commune,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today,
    )
    return today, campaign


@pytest.mark.parametrize("place_attr", ["commune", "village_a"])
def test_the_docx_figures_equal_indicator_values(world, busy, tmp_path, place_attr):
    today, _ = busy
    place = getattr(world, place_attr)
    kind = "commune-summary" if place_attr == "commune" else "team-quarterly"
    period = quarter_of(today).code
    _make(tmp_path, kind, "--place", place.code, "--period", period)
    got = _indicator_rows(tmp_path / "out.docx")
    expected = _indicator_values(place, today)
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == (value["numerator"], value["denominator"]), name
    # As of a past day, the figures of that day.
    before = today - dt.timedelta(days=5)
    _make(tmp_path, kind, "--place", place.code, "--period", period, "--as-of", before.isoformat())
    got = _indicator_rows(tmp_path / "out.docx")
    for name, value in _indicator_values(place, before).items():
        assert got[name] == (value["numerator"], value["denominator"]), name


def test_every_kind_and_format(world, busy, tmp_path):
    today, campaign = busy
    said, docx = _make(tmp_path, "daily", "--place", world.village_a.code, "--period", today.isoformat())
    assert docx[:2] == b"PK" and "Báo cáo ngày" in said
    said, xlsx = _make(
        tmp_path, "campaign", "--place", world.commune.code, "--period", today.isoformat(), fmt="xlsx"
    )
    assert xlsx[:2] == b"PK" and campaign.name in said
    document = Document(str(tmp_path / "out.docx"))
    header = document.tables[0]  # the national heading sits in the borderless heading table
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in "\n".join(c.text for c in header.rows[0].cells)


def test_a_submitted_report_prints_as_it_was_frozen(world, busy, tmp_path):
    today, _ = busy
    report = services.create_report(
        by=world.officer, kind=ReportKind.COMMUNE_SUMMARY, commune=world.commune, period=quarter_of(today)
    )
    services.submit_report(by=world.officer, report=report)
    first = _indicator_rows(_make_and_path(tmp_path, world, today))
    # Another smartphone after submission: the frozen document does not move, a fresh --as-of does.
    home = data.household(world.village_b, today - dt.timedelta(days=1))
    person = data.resident(home, today - dt.timedelta(days=1), birth_year=1980)
    registry.record_status(
        by=world.officer, resident=person, observed_on=today, source=Source.OFFICER,
        facts=[registry.StatusFact(StatusField.SMARTPHONE, 1, Evidence.SEEN)],
    )  # fmt: skip
    assert _indicator_rows(_make_and_path(tmp_path, world, today)) == first
    _make(
        tmp_path, "commune-summary", "--place", world.commune.code, "--period", quarter_of(today).code,
        "--as-of", today.isoformat(),
    )  # fmt: skip
    assert _indicator_rows(tmp_path / "out.docx") != first


def _make_and_path(tmp_path, world, today):
    said, _ = _make(
        tmp_path, "commune-summary", "--place", world.commune.code, "--period", quarter_of(today).code
    )
    assert "đã nộp" in said
    return tmp_path / "out.docx"


@pytest.mark.parametrize(
    "args",
    [
        ["commune-summary", "--place", "nope", "--period", "2026-Q1"],
        ["commune-summary", "--place", "08866", "--period", "2026-Q5"],
        ["commune-summary", "--place", "08866", "--period", "2026-02-30"],
        ["commune-summary", "--place", "08866", "--period", "99999"],
        ["commune-summary", "--place", "08866", "--period", "2026-Q1", "--as-of", "NaN"],
        ["commune-summary", "--place", "08866", "--period", "2099-Q1"],  # figures of a day to come
        ["team-quarterly", "--place", "08866", "--period", "2026-Q1"],  # a commune is not a team
        ["team-quarterly", "--team", "999999999", "--period", "2026-Q1"],
        ["daily", "--place", "08866.001", "--period", "2020-01-01"],  # no campaign that day
        ["campaign", "--place", "08866", "--period", "2026-01-01", "--campaign", "999999"],
    ],
)
def test_wrong_arguments_are_told_in_vietnamese(world, tmp_path, args):
    with pytest.raises(CommandError) as raised:
        _make(tmp_path, *args)
    assert any(ch in str(raised.value) for ch in "ạảãàáâầấậẩẫăằắặẳẵêềếệểễôồốộổỗơờớợởỡưừứựửữđ")
