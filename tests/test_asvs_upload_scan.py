"""ASVS 4.0.3 12.4.2: UPLOAD_SCAN_COMMAND scans every uploaded workbook before it is read.

The scanner here is a stand-in script that flags the EICAR test string as ClamAV does (exit 1) and
fails (exit 2) on a marker; the real scanner and its signatures are the deployer's (docs/security.md).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from binhdan.common import upload_scan
from binhdan.registry.models import ImportBatch
from binhdan.registry.tests import workbooks as wb
from binhdan.testing.personas import World

# The EICAR anti-virus test file: harmless, and every scanner reports it. Split so this file is not flagged.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + rb"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SCANNER = """\
import sys
data = sys.stdin.buffer.read()
if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data:
    print("stream: Eicar-Test-Signature FOUND")
    sys.exit(1)
if b"MAY-QUET-HONG" in data:
    print("ERROR: Can't connect to clamd")
    sys.exit(2)
print("stream: OK")
"""


@pytest.fixture
def scanner(tmp_path: Path):  # type: ignore[no-untyped-def]
    script = tmp_path / "s-fake-clamdscan.py"
    script.write_text(SCANNER, encoding="utf-8")
    with override_settings(UPLOAD_SCAN_COMMAND=f"{sys.executable} {script}", UPLOAD_SCAN_TIMEOUT=30):
        yield script


def _csv_with(extra: bytes) -> bytes:
    return "Họ và tên,Năm sinh\nNguyễn Văn A,1980\n".encode() + extra + b",1990\n"


def _import(client, data: bytes, name: str, commune):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("registry:import_start"), {"file": SimpleUploadedFile(name, data), "commune": commune.pk}
    )


def test_v12_4_2_an_infected_household_list_is_refused_before_it_is_read(
    world: World,
    client_for,
    scanner,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.INFO, logger="binhdan.security")
    client = client_for(world.officer)
    page = _import(client, _csv_with(EICAR), "ds.csv", world.commune)
    assert page.status_code == 200 and "trình quét virus phát hiện mã độc" in page.content.decode()
    assert not ImportBatch.objects.exists()
    [line] = [r.getMessage() for r in caplog.records if r.name == "binhdan.security"]
    assert line.startswith("upload_refused reason=malware size=") and "Eicar-Test-Signature FOUND" in line
    assert "ds.csv" not in line

    clean = _import(client, wb.household_list_xlsx(), "ds.xlsx", world.commune)
    assert clean.status_code == 302 and ImportBatch.objects.count() == 1  # a clean file goes on


def test_v12_4_2_an_infected_plan_annex_is_refused(world: World, client_for, scanner) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.officer)
    page = client.post(
        reverse("reports:tasks_import", args=[world.commune.pk]),
        {"file": SimpleUploadedFile("phu-luc.csv", _csv_with(EICAR))},
    )
    assert page.status_code == 200 and "trình quét virus phát hiện mã độc" in page.content.decode()


def test_a_scanner_that_fails_or_is_missing_lets_nothing_through(world: World, scanner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(upload_scan.UploadRefused, match="Chưa kiểm tra được virus"):
        upload_scan.scan(b"MAY-QUET-HONG")
    missing = override_settings(UPLOAD_SCAN_COMMAND="/khong-co/clamdscan --no-summary -")
    with missing, pytest.raises(upload_scan.UploadRefused, match="Chưa kiểm tra được virus"):
        upload_scan.scan(b"a,b\n")
    upload_scan.scan(b"a,b\n")  # clean


def test_without_a_command_nothing_is_scanned() -> None:
    with override_settings(UPLOAD_SCAN_COMMAND=""):
        upload_scan.scan(EICAR)  # no scanner configured: the deployer's choice, documented


def test_v12_4_2_infected_task_evidence_is_refused_next_to_the_field(
    world: World, client_for, scanner
) -> None:  # type: ignore[no-untyped-def]
    from binhdan.reports.models_tasks import PlanTask, PlanTaskEvidence

    task = PlanTask.objects.create(commune=world.commune, title="Tập huấn tổ công nghệ số", position=1)
    client = client_for(world.officer)
    url = reverse("reports:evidence_upload", args=[task.pk])
    page = client.post(url, {"file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 " + EICAR)})
    assert page.status_code == 200 and "trình quét virus phát hiện mã độc" in page.content.decode()
    assert not PlanTaskEvidence.objects.exists()
    clean = client.post(url, {"file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 bien ban hop\n%%EOF")})
    assert clean.status_code == 302 and PlanTaskEvidence.objects.count() == 1
