"""The printed certificates: one PDF of a class (a page each), read back with pdftotext and pdffonts.

One LibreOffice conversion for the module. With DOCS_IMAGES=1 it also writes the page image
docs/certificates/certificate.png (pdftoppm -r 60) that the documentation shows.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from binhdan.certificates import document, services
from binhdan.registry import services as registry
from binhdan.registry.models import Gender, Relation, Skill
from binhdan.reports import pdf
from binhdan.testing.indicators import attend, community_class
from binhdan.testing.personas import build_world

DOCS = Path(__file__).resolve().parents[3] / "docs" / "certificates"
_no_tools = pdf.soffice_path() is None or shutil.which("pdffonts") is None


def needs_tools(test: Any) -> Any:
    skip = pytest.mark.skipif(
        _no_tools, reason="LibreOffice or poppler-utils is not installed: `make report-deps`"
    )
    return skip(pytest.mark.django_db(test))


@pytest.fixture(scope="module")
def converted(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[tuple[Path, list[str]]]:
    if _no_tools:
        pytest.skip("LibreOffice or poppler-utils is not installed")
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        held = community_class(world.commune, timezone.localdate() - dt.timedelta(days=2), by=world.officer)
        held.title = "Sử dụng điện thoại thông minh và VNeID"
        held.venue = "Nhà văn hoá thôn Đông"
        held.save()
        held.skills.set(
            Skill.objects.filter(code__in=["smartphone-basics", "vneid-install", "scam-recognise"])[:3]
            or Skill.objects.all()[:3]
        )
        second = registry.add_resident(
            by=world.officer, household=world.household_a, full_name="Lò Văn Quý", birth_year=1987,
            gender=Gender.MALE, relation=Relation.CHILD,
        )  # fmt: skip
        attend(held, [world.resident_a, second], by=world.officer)
        papers = services.issue_certificates(
            by=world.officer, community_class=held, residents=[world.resident_a, second],
            signer_capacity="vice_chairman", signer_name="Hoàng Văn Em",
        )  # fmt: skip
        codes = [p.printed_code for p in papers]
        from binhdan.certificates.models import Certificate

        data = document.render_pdf(
            list(
                Certificate.objects.filter(pk__in=[p.pk for p in papers])
                .select_related("commune", "community_class", "resident")
                .order_by("serial")
            )
        )
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("pdf") / "giay-chung-nhan.pdf"
    path.write_bytes(data)
    if os.environ.get("DOCS_IMAGES"):
        DOCS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(path),
                str(DOCS / "certificate"),
            ],
            check=True,
            timeout=60,
        )
    yield path, codes


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


@needs_tools
def test_the_pdf_reads_back_the_heading_the_holder_and_the_note(converted) -> None:
    path, codes = converted
    assert path.read_bytes().startswith(b"%PDF")
    text = unicodedata.normalize("NFC", _run("pdftotext", "-layout", str(path), "-"))
    assert text.count("GIẤY CHỨNG NHẬN") == 2, "one page per certificate"
    assert "XÃ SƠN ĐÔNG" in text and "ỦY BAN NHÂN DÂN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "NGUYỄN THỊ HOÀ" in text and "LÒ VĂN QUÝ" in text and "1987" in text
    assert "Sử dụng điện thoại thông minh và VNeID" in text
    assert "Sơn Đông, ngày" in text and "KT. CHỦ TỊCH" in text and "Hoàng Văn Em" in text
    assert "Số: 01/GCN-UBND" in text and "Số: 02/GCN-UBND" in text
    assert all(code in text for code in codes)
    flat = " ".join(text.split())
    assert "không phải là xác nhận “đạt phổ cập kỹ năng số” theo quy định của Nhà nước" in flat
    pages = int(
        next(
            line.split()[-1] for line in _run("pdfinfo", str(path)).splitlines() if line.startswith("Pages:")
        )
    )
    assert pages == 2


@needs_tools
def test_every_font_is_embedded_and_times_compatible(converted) -> None:
    path, _ = converted
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    assert lines
    for line in lines:
        assert line.split()[-5] == "yes", line
        assert line.split()[0].split("+")[-1].startswith(("LiberationSerif", "Tinos", "TimesNewRoman")), line
