"""The PDF is the DOCX converted by headless LibreOffice: every font embedded, a Times-compatible family, the
Vietnamese text read back intact. One conversion for the whole module (LibreOffice takes seconds)."""

from __future__ import annotations

import shutil
import stat
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from binhdan.reports import documents, pdf
from binhdan.reports.tests.sample import sample_report
from binhdan.testing.personas import build_world

_no_tools = pdf.soffice_path() is None or shutil.which("pdffonts") is None


# The conversion tests read the module's one PDF; the mark makes pytest-django set up the test database.
def needs_tools(test: Any) -> Any:
    skip = pytest.mark.skipif(
        _no_tools, reason="LibreOffice (soffice) or poppler-utils is not installed: run `make report-deps`"
    )
    return skip(pytest.mark.django_db(test))


@pytest.fixture(scope="module")
def converted(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Path]:
    """The commune summary of the sample world as PDF, made once; the world is rolled back afterwards."""
    if pdf.soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: run `make report-deps`")
    with django_db_blocker.unblock(), transaction.atomic():
        report = sample_report(build_world())
        data = documents.render(report, "pdf")
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("pdf") / "bao-cao.pdf"
    path.write_bytes(data)
    yield path


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


@needs_tools
def test_the_pdf_embeds_every_font_and_they_are_times_compatible(converted: Path) -> None:
    assert converted.read_bytes().startswith(b"%PDF-")
    lines = _run("pdffonts", str(converted)).splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        name, *_ = line.split()
        emb = line.split()[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", line
        family = name.split("+")[-1]
        assert family.startswith(("LiberationSerif", "Tinos", "TimesNewRoman")), line


@needs_tools
def test_the_pdf_reads_back_the_national_heading_and_the_commune_in_vietnamese(converted: Path) -> None:
    text = unicodedata.normalize("NFC", _run("pdftotext", "-layout", str(converted), "-"))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "XÃ SƠN ĐÔNG" in text and "Sơn Đông, ngày 05 tháng 12 năm 2026" in text
    assert "TM. ỦY BAN NHÂN DÂN" in text and "Hoàng Văn Em" in text
    assert "DỰ THẢO" in text


@needs_tools
def test_the_pdf_is_a4_with_page_numbers_from_page_two(converted: Path) -> None:
    info = _run("pdfinfo", str(converted))
    assert "pts (A4)" in info
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    first = _run("pdftotext", "-f", "1", "-l", "1", str(converted), "-").split()
    second = _run("pdftotext", "-f", "2", "-l", "2", str(converted), "-").split()
    assert second[0] == "2" and first[0] != "1"


# --- failures (no LibreOffice needed) ---------------------------------------------------------------------


def test_a_missing_libreoffice_is_a_clear_vietnamese_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "soffice_path", lambda: None)
    with pytest.raises(documents.DocumentError, match="chưa cài LibreOffice"):
        pdf.docx_to_pdf(b"PK")


def _fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_a_failing_conversion_is_a_vietnamese_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(
        pdf,
        "soffice_path",
        lambda: _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 1"),
    )
    with pytest.raises(documents.DocumentError, match=r"LibreOffice báo lỗi .*could not be loaded"):
        pdf.docx_to_pdf(b"not a docx")


def test_a_hanging_conversion_is_stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "soffice_path", lambda: _fake_soffice(tmp_path, "exec sleep 30"))
    with pytest.raises(documents.DocumentError, match="không trả lời sau"):
        pdf.docx_to_pdf(b"PK", timeout=0.5)


def test_each_conversion_has_its_own_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "calls"
    script = _fake_soffice(tmp_path, f'echo "$1" >> {log}; exit 1')
    monkeypatch.setattr(pdf, "soffice_path", lambda: script)
    for _ in range(2):
        with pytest.raises(documents.DocumentError):
            pdf.docx_to_pdf(b"PK")
    profiles = log.read_text().split()
    assert len(profiles) == 2 and profiles[0] != profiles[1]
    assert all(p.startswith("-env:UserInstallation=file:///") for p in profiles)
