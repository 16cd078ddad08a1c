"""Plan tasks (issue 11 point 6): the annex import (messy workbook, re-import, hostile files), the screens
(scope, overdue, filters, query counts), evidence files, and `tasks_status` for the summary report."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from binhdan.accounts.models import AuditEvent
from binhdan.reports import services_tasks as services
from binhdan.reports import tasks_import
from binhdan.reports.models_tasks import PlanTask, PlanTaskEvidence, TaskStatus
from binhdan.reports.tasks_import import parse_deadline, read_annex
from binhdan.reports.tests.files.annex import BAD_ROWS, GOOD_TASKS, WARNED, messy_annex

TODAY = timezone.localdate  # called in each test: the day may turn during a run
PDF = b"%PDF-1.4\n% minh chung\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()


def _changes() -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).count()


def _errors(response: Any) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)<', response.content.decode())


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = [
    "STT",
    "Nội dung công việc",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Kết quả thực hiện",
    "Thời gian thực hiện",
]


def _task(commune, **fields) -> PlanTask:
    fields.setdefault("title", "Tổ chức hội nghị triển khai")
    return PlanTask.objects.create(commune=commune, **fields)


def _upload(client, commune, data: bytes, name: str = "phu-luc.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("reports:tasks_import", args=[commune.pk]), {"file": SimpleUploadedFile(name, data)}
    )


# --- deadlines --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Tháng 10/2025", dt.date(2025, 10, 31)),
        ("Tháng\n02/2026", dt.date(2026, 2, 28)),
        ("tháng 11 năm 2025", dt.date(2025, 11, 30)),
        ("Quý IV/2025", dt.date(2025, 12, 31)),
        ("Quý 1 năm 2026", dt.date(2026, 3, 31)),
        ("Năm 2025", dt.date(2025, 12, 31)),
        ("Năm\n2025 -\n2026", dt.date(2026, 12, 31)),
        ("Trước 20/11/2025", dt.date(2025, 11, 20)),
        ("20/11/2025", dt.date(2025, 11, 20)),
        ("Tháng 10-12/2025", dt.date(2025, 12, 31)),
        ("Thường xuyên", None),
        ("Hằng năm", None),
    ],
)
def test_deadlines_in_words_give_the_last_day_of_their_period(text, day):
    parsed = parse_deadline(text)
    assert parsed.day == day and not parsed.error and not parsed.warning
    assert parsed.text == " ".join(text.split())


def test_a_deadline_that_is_no_date_is_an_error_and_words_without_one_a_warning():
    assert "không có trong lịch" in parse_deadline("31/02/2026").error
    assert "tháng 13" in parse_deadline("Tháng 13/2025").error
    assert "quý «V»" in parse_deadline("Quý V/2025").error
    assert "ngoài" in parse_deadline("Năm 2099").error
    odd = parse_deadline("Khi tỉnh tổ chức")
    assert odd.day is None and odd.text == "Khi tỉnh tổ chức"
    assert odd.warning == "không đọc được thời hạn «Khi tỉnh tổ chức» — giữ nguyên chữ, không có ngày"


# --- reading the annex ------------------------------------------------------------------------------------


def test_the_messy_annex_is_read_task_by_task_with_sections_deadlines_and_row_errors():
    annex = read_annex(messy_annex(), "phu-luc.xlsx")
    assert annex.header_row == 4 and annex.letters["deadline"] == "F"
    assert annex.sections == [GOOD_TASKS[0][0], GOOD_TASKS[4][0], GOOD_TASKS[6][0]]
    good = [
        (
            r.section,
            r.number,
            r.title,
            r.lead_unit,
            r.coordinating_units,
            r.expected_result,
            r.deadline,
            r.deadline_text,
        )
        for r in annex.good
    ]
    assert good == GOOD_TASKS
    bad = {r.row: " ".join(r.errors) for r in annex.bad}
    assert set(bad) == set(BAD_ROWS)
    for row, word in BAD_ROWS.items():
        assert word in bad[row] and f"Dòng {row}, cột" in bad[row]
    assert "Dòng 17, cột F «Thời gian thực hiện»: ngày «31/02/2026» không có trong lịch." in bad[17]
    warnings = [w for r in annex.rows for w in r.warnings]
    assert any(WARNED in w for w in warnings)
    assert "Dòng 12 được ghép vào nhiệm vụ ở dòng 11." in warnings


def test_the_annex_without_a_header_or_not_a_workbook_is_refused_in_words():
    with pytest.raises(tasks_import.UnreadableFile, match="dòng tiêu đề cột"):
        read_annex(_xlsx([["Danh sách"], ["a", "b", "c"]]), "x.xlsx")
    with pytest.raises(tasks_import.UnreadableFile, match="không phải bảng tính"):
        read_annex(b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(tasks_import.UnreadableFile, match="rỗng"):
        read_annex(b"", "x.xlsx")
    with pytest.raises(tasks_import.UnreadableFile, match="Chỉ nhận"):
        read_annex(b"MZ\x90\x00", "x.exe")
    with pytest.raises(tasks_import.UnreadableFile, match="không có dòng nhiệm vụ"):
        read_annex(_xlsx([HEADER]), "x.xlsx")


def test_hostile_cells_are_row_errors_never_exceptions():
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["I", "Nhóm"])
    sheet.append([1, "x" * 5000, "Phòng VH-XH", "", "", "Năm 2025"])  # a huge cell
    sheet.append([2, float("nan"), "Phòng VH-XH", "", "", "Năm 2025"])  # NaN
    sheet.append([3, '=HYPERLINK("http://x")', "=1+1", "", "", "=TODAY()"])  # formulas, no cached value
    sheet.append([4, "Ngày sai", "", "", "", "31/02/2026"])
    sheet.append([dt.datetime(2025, 5, 1), "STT là một ngày", "", "", "", dt.datetime(2025, 12, 20)])
    sheet.append([5, "Hạn là một ngày", "", "", "", dt.datetime(2025, 12, 20)])
    out = io.BytesIO()
    book.save(out)
    annex = read_annex(out.getvalue(), "hostile.xlsx")
    by_row = {r.row: r for r in annex.rows}
    assert "dài quá 2000 ký tự" in by_row[3].errors[0]
    assert any("NaN" in e or "thiếu nội dung" in e for e in by_row[4].errors)
    assert "thiếu nội dung công việc" in " ".join(by_row[5].errors)
    assert "không có trong lịch" in " ".join(by_row[6].errors)
    assert "là một ngày" in " ".join(by_row[7].errors)
    assert (
        by_row[8].ok
        and by_row[8].deadline == dt.date(2025, 12, 20)
        and by_row[8].deadline_text == "20/12/2025"
    )


def test_a_csv_annex_with_a_section_in_one_cell_is_read():
    text = (
        "PHỤ LỤC I;;;;;\n;;;;;\n"
        + ";".join(HEADER)
        + "\nI. Truyền thông;;;;;\n1;Viết tin;Đài truyền thanh;;01 tin/tuần;Quý IV/2025\n"
    )
    annex = read_annex(text.encode("utf-8-sig"), "phu-luc.csv")
    assert annex.sections == ["I. Truyền thông"]
    assert [(r.number, r.title, r.deadline) for r in annex.rows] == [("1", "Viết tin", dt.date(2025, 12, 31))]


# --- import through the pages -----------------------------------------------------------------------------


def test_officer_imports_the_annex_after_a_preview_and_reimporting_duplicates_nothing(world, client_for):
    client = client_for(world.officer)
    response = _upload(client, world.commune, messy_annex())
    assert response.status_code == 302, _errors(response)
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200 and not PlanTask.objects.exists()
    assert "Dòng 17, cột F «Thời gian thực hiện»: ngày «31/02/2026» không có trong lịch." in page
    assert WARNED in page and "Xác nhận nhập 7 nhiệm vụ" in page
    stash = list((tasks_import.pending_dir()).glob("*.bin"))
    assert len(stash) == 1
    before = _changes()
    done = client.post(response["Location"], {"action": "confirm"})
    assert done.status_code == 302
    assert _changes() == before + 1
    assert not list(tasks_import.pending_dir().glob("*.bin")), "the upload is not kept after the commit"
    tasks = list(PlanTask.objects.filter(commune=world.commune).order_by("position"))
    assert [(t.section, t.number, t.title, t.deadline, t.deadline_text) for t in tasks] == [
        (s, n, title, d, text) for s, n, title, _l, _c, _e, d, text in GOOD_TASKS
    ]
    # Work goes on, then the same file again: nothing new, the status and result stay.
    first = tasks[0]
    services.set_status(
        by=world.officer, task=first, status=TaskStatus.DONE, done_on=TODAY(), result_note="Đã họp"
    )
    again = _upload(client, world.commune, messy_annex())
    page = client.get(again["Location"]).content.decode()
    assert "0</strong> nhiệm vụ mới" in page and "7</strong> không đổi" in page
    client.post(again["Location"], {"action": "confirm"})
    assert PlanTask.objects.filter(commune=world.commune).count() == 7
    first.refresh_from_db()
    assert first.status == TaskStatus.DONE and first.result_note == "Đã họp"


def test_an_import_can_be_cancelled_and_nothing_is_kept(world, client_for):
    client = client_for(world.officer)
    response = _upload(client, world.commune, messy_annex())
    client.post(response["Location"], {"action": "cancel"})
    assert not PlanTask.objects.exists() and not list(tasks_import.pending_dir().glob("*.bin"))
    gone = client.get(reverse("reports:tasks_import_preview", args=[world.commune.pk]))
    assert gone.status_code == 302 and gone["Location"].endswith("/nhap/")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("phu-luc.xlsx", b"this is not a workbook", "không phải bảng tính"),
        ("phu-luc.xlsx", b"", "Tệp rỗng"),
        ("phu-luc.pdf", PDF, "Chỉ nhận tệp Excel"),
        ("phu-luc.csv", "Danh sách\nkhông có cột\n".encode(), "dòng tiêu đề cột"),
    ],
)
def test_hostile_annex_uploads_are_form_errors(world, client_for, name, data, message):
    response = _upload(client_for(world.officer), world.commune, data, name)
    assert response.status_code == 200
    assert any(message in e for e in _errors(response)), _errors(response)
    assert not PlanTask.objects.exists()


def test_an_annex_over_the_size_limit_is_refused(world, client_for, monkeypatch):
    monkeypatch.setattr("binhdan.reports.forms_tasks.ImportForm.max_bytes", 1000)
    response = _upload(client_for(world.officer), world.commune, messy_annex())
    assert response.status_code == 200 and any("lớn quá" in e for e in _errors(response))


def test_the_preview_belongs_to_the_session_and_commune_that_uploaded_it(world, client_for):
    officer = client_for(world.officer)
    _upload(officer, world.commune, messy_annex())
    # The other commune's officer has no pending file of theirs and cannot reach this commune's page.
    other = client_for(world.other_officer)
    assert other.get(reverse("reports:tasks_import_preview", args=[world.commune.pk])).status_code == 404
    assert (
        other.post(
            reverse("reports:tasks_import_preview", args=[world.commune.pk]), {"action": "confirm"}
        ).status_code
        == 404
    )
    assert not PlanTask.objects.exists()


# --- scope ------------------------------------------------------------------------------------------------


READERS = {"officer", "leader", "province_officer", "admin"}


def test_who_may_read_and_who_may_change_the_tasks(world, client_for, django_assert_max_num_queries):
    task = _task(world.commune, number="1", section="I. Truyền thông")
    evidence = services.add_evidence(by=world.officer, task=task, name="bien-ban.pdf", data=PDF).obj
    for name, user in world.personas().items():
        client = client_for(user)
        reads = client.get(reverse("reports:tasks", args=[world.commune.pk])).status_code
        detail = client.get(reverse("reports:task_detail", args=[task.pk])).status_code
        answer = client.get(reverse("reports:evidence_download", args=[evidence.pk]))
        download = answer.status_code
        if download == 200:  # reading it through closes the file (the client's own wrapper)
            assert b"".join(answer.streaming_content) == PDF
        edit = client.get(reverse("reports:task_edit", args=[task.pk])).status_code
        expected = 200 if name in READERS else 404
        assert (reads, detail, download) == (expected,) * 3, name
        assert edit == (200 if name in ("officer", "admin") else 404), name
    before = _changes()
    for name in ("leader", "province_officer", "other_officer", "member_a"):
        client = client_for(world.personas()[name])
        for url, data in (
            (reverse("reports:task_status", args=[task.pk]), {"status": "done", "done_on": ""}),
            (reverse("reports:task_delete", args=[task.pk]), {"confirm": "on"}),
            (reverse("reports:evidence_delete", args=[evidence.pk]), {"action": "confirm"}),
            (reverse("reports:task_create", args=[world.commune.pk]), {"title": "Nhiệm vụ lạ"}),
        ):
            assert client.post(url, data).status_code == 404, (name, url)
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED and PlanTaskEvidence.objects.count() == 1
    assert PlanTask.objects.count() == 1 and _changes() == before
    page = (
        client_for(world.province_officer)
        .get(reverse("reports:tasks", args=[world.commune.pk]))
        .content.decode()
    )
    assert "Nhập phụ lục" not in page and "Thêm nhiệm vụ" not in page


# --- the list ---------------------------------------------------------------------------------------------


def test_overdue_tasks_are_flagged_counted_and_filtered(world, client_for):
    past = TODAY() - dt.timedelta(days=1)
    late = _task(world.commune, number="1", title="Việc trễ hạn", deadline=past, lead_unit="Phòng VH-XH")
    _task(
        world.commune,
        number="2",
        title="Việc xong",
        deadline=past,
        status=TaskStatus.DONE,
        lead_unit="Công an xã",
    )
    _task(world.commune, number="3", title="Việc còn hạn", deadline=TODAY(), status=TaskStatus.IN_PROGRESS)
    _task(world.commune, number="4", title="Việc thường xuyên", deadline_text="Thường xuyên")
    assert late.overdue_on(TODAY()) and not late.overdue_on(past)
    client = client_for(world.leader)
    url = reverse("reports:tasks", args=[world.commune.pk])
    page = client.get(url).content.decode()
    assert page.count('class="badge overdue"') == 1 and "<strong>1</strong> quá hạn" in page
    assert "<strong>4</strong> nhiệm vụ" in page and "<strong>1</strong> đã hoàn thành" in page
    only = client.get(url, {"qua_han": "on"}).content.decode()
    assert "Việc trễ hạn" in only and "Việc còn hạn" not in only
    done = client.get(url, {"trang_thai": "done"}).content.decode()
    assert "Việc xong" in done and "Việc trễ hạn" not in done
    lead = client.get(url, {"chu_tri": "Công an xã"}).content.decode()
    assert "Việc xong" in lead and "Việc trễ hạn" not in lead
    junk = client.get(url, {"trang_thai": "'; drop table", "chu_tri": "x" * 5000, "qua_han": "\x00"})
    assert junk.status_code == 200 and "Việc trễ hạn" in junk.content.decode()


def test_the_list_takes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.officer)
    url = reverse("reports:tasks", args=[world.commune.pk])
    for n in range(3):
        _task(world.commune, number=str(n), title=f"Việc {n}", section="I. A")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(40):
        task = _task(
            world.commune, number=str(n), title=f"Việc nữa {n}", section=f"{'II' if n % 2 else 'III'}. B"
        )
        if n % 5 == 0:
            services.add_evidence(by=world.officer, task=task, name="a.png", data=PNG)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("nhiem-vu-") >= 43


# --- add, edit, status, delete ----------------------------------------------------------------------------


def test_officer_adds_edits_and_marks_a_task_done_with_hostile_input_as_form_errors(world, client_for):
    client = client_for(world.officer)
    create = reverse("reports:task_create", args=[world.commune.pk])
    bad = client.post(
        create, {"title": "", "deadline": "31/02/2026", "number": "9" * 50, "deadline_text": "\x00"}
    )
    assert bad.status_code == 200 and not PlanTask.objects.exists()
    errors = " ".join(_errors(bad))
    assert (
        "Vui lòng ghi nội dung công việc" in errors and "Ngày không đúng" in errors and "Dài quá 12" in errors
    )
    wrong_words = client.post(create, {"title": "Việc", "deadline_text": "Tháng 13/2025"})
    assert wrong_words.status_code == 200 and "tháng 13" in " ".join(_errors(wrong_words)).lower()
    before = _changes()
    ok = client.post(
        create,
        {
            "title": "Hội nghị triển khai",
            "section": "I. Truyền thông",
            "number": "1",
            "deadline_text": "Quý IV/2025",
        },
    )
    assert ok.status_code == 302 and _changes() == before + 1
    task = PlanTask.objects.get()
    assert task.deadline == dt.date(2025, 12, 31) and task.commune == world.commune
    edit = client.post(
        reverse("reports:task_edit", args=[task.pk]),
        {"title": "Hội nghị triển khai kế hoạch", "deadline": "15/12/2025", "deadline_text": "Quý IV/2025"},
    )
    assert edit.status_code == 302
    task.refresh_from_db()
    assert task.deadline == dt.date(2025, 12, 15) and task.section == ""
    status = reverse("reports:task_status", args=[task.pk])
    future = client.post(
        status, {"status": "done", "done_on": (TODAY() + dt.timedelta(days=3)).strftime("%d/%m/%Y")}
    )
    assert future.status_code == 200 and "sau hôm nay" in " ".join(_errors(future))
    assert client.post(status, {"status": "bogus"}).status_code == 200
    done = client.post(status, {"status": "done", "done_on": "", "result_note": "Đã tổ chức 01 hội nghị"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.done_on, task.result_note) == (
        TaskStatus.DONE,
        TODAY(),
        "Đã tổ chức 01 hội nghị",
    )
    client.post(status, {"status": "in_progress"})
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.done_on is None


def test_a_task_with_evidence_is_deleted_only_with_the_confirmation(world, client_for, settings):
    client = client_for(world.officer)
    task = _task(world.commune)
    evidence = services.add_evidence(by=world.officer, task=task, name="anh.png", data=PNG).obj
    path = settings.MEDIA_ROOT / evidence.file.name
    assert path.exists()
    url = reverse("reports:task_delete", args=[task.pk])
    refused = client.post(url, {})
    assert refused.status_code == 200 and "đánh dấu ô xác nhận" in refused.content.decode()
    assert PlanTask.objects.filter(pk=task.pk).exists()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not PlanTask.objects.filter(pk=task.pk).exists() and not path.exists()
    plain = _task(world.commune, title="Không có minh chứng")
    assert client.post(reverse("reports:task_delete", args=[plain.pk]), {}).status_code == 302
    assert not PlanTask.objects.filter(pk=plain.pk).exists()


# --- evidence ---------------------------------------------------------------------------------------------


def _evidence_post(client, task, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("reports:evidence_upload", args=[task.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def test_evidence_is_uploaded_downloaded_through_the_scoped_view_and_deleted(world, client_for, settings):
    client = client_for(world.officer)
    task = _task(world.commune)
    response = _evidence_post(client, task, "../../etc/Biên bản họp <script>.pdf", PDF)
    assert response.status_code == 302, _errors(response)
    evidence = PlanTaskEvidence.objects.get()
    assert evidence.name == "Biên bản họp _script_.pdf" and evidence.uploaded_by == world.officer
    assert evidence.file.name.startswith(f"plan-tasks/{world.commune.pk}/") and ".." not in evidence.file.name
    assert (settings.MEDIA_ROOT / evidence.file.name).read_bytes() == PDF
    download = client_for(world.province_officer).get(
        reverse("reports:evidence_download", args=[evidence.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    assert (
        client_for(world.other_officer)
        .get(reverse("reports:evidence_download", args=[evidence.pk]))
        .status_code
        == 404
    )
    page = client.get(reverse("reports:task_detail", args=[task.pk])).content.decode()
    assert "/media/" not in page and reverse("reports:evidence_download", args=[evidence.pk]) in page
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        deleted = client.post(reverse("reports:evidence_delete", args=[evidence.pk]), {"action": "confirm"})
    assert deleted.status_code == 302 and not PlanTaskEvidence.objects.exists()
    assert not (settings.MEDIA_ROOT / evidence.file.name).exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bien-ban.pdf", b"", "Tệp rỗng"),
        ("bien-ban.exe", b"MZ\x90\x00", "Chỉ nhận tệp PDF"),
        ("anh.png", PDF, "không phải ảnh PNG"),
        ("bang.xlsx", b"PK\x03\x04 junk", "không phải Excel"),
        ("bien-ban.pdf.html", b"<html>", "Chỉ nhận tệp PDF"),
    ],
)
def test_hostile_evidence_is_refused_next_to_the_field(world, client_for, name, data, message):
    task = _task(world.commune)
    response = _evidence_post(client_for(world.officer), task, name, data)
    assert response.status_code == 200 and any(message in e for e in _errors(response)), _errors(response)
    assert not PlanTaskEvidence.objects.exists()


def test_evidence_over_the_size_limit_is_refused(world, client_for, settings):
    assert services.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    task = _task(world.commune)
    big = PDF + b"0" * services.EVIDENCE_MAX_BYTES
    response = _evidence_post(client_for(world.officer), task, "to.pdf", big)
    assert response.status_code == 200 and any("lớn quá 10 MB" in e for e in _errors(response))
    assert not PlanTaskEvidence.objects.exists()
    assert not list((settings.MEDIA_ROOT).glob("**/*.pdf"))


# --- the summary report's reading -------------------------------------------------------------------------


def test_tasks_status_gives_the_report_its_rows_and_counts_in_a_fixed_number_of_queries(
    world, django_assert_num_queries
):
    day = dt.date(2025, 11, 1)
    a = _task(world.commune, number="1", section="I. Truyền thông", title="A", deadline=dt.date(2025, 10, 31),
              deadline_text="Tháng 10/2025", lead_unit="Phòng VH-XH", expected_result="01 chuyên mục")  # fmt: skip
    _task(world.commune, number="2", section="I. Truyền thông", title="B", status=TaskStatus.DONE,
          deadline=dt.date(2025, 10, 31), result_note="Xong")  # fmt: skip
    _task(world.commune, number="3", title="C", status=TaskStatus.CANCELLED)
    _task(world.commune, number="4", title="D", status=TaskStatus.IN_PROGRESS, deadline=dt.date(2025, 12, 31))
    _task(world.other_commune, title="Của xã khác")
    services.add_evidence(by=world.officer, task=a, name="a.pdf", data=PDF)
    services.add_evidence(by=world.officer, task=a, name="b.pdf", data=PDF)
    with django_assert_num_queries(1):
        status = services.tasks_status(world.commune, day)
    assert status["counts"] == {
        "total": 4,
        "done": 1,
        "in_progress": 1,
        "not_started": 1,
        "cancelled": 1,
        "overdue": 1,
    }
    assert status["rows"][0] == {
        "number": "1", "section": "I. Truyền thông", "title": "A", "lead_unit": "Phòng VH-XH",
        "expected_result": "01 chuyên mục", "deadline": "2025-10-31", "deadline_text": "Tháng 10/2025",
        "status": "not_started", "status_label": "Chưa thực hiện", "overdue": True, "result_note": "", "evidence": 2,
    }  # fmt: skip
    assert [r["status_label"] for r in status["rows"]] == [
        "Chưa thực hiện", "Đã hoàn thành", "Không thực hiện", "Đang thực hiện"
    ]  # fmt: skip
    assert services.tasks_status(world.commune, dt.date(2025, 10, 31))["counts"]["overdue"] == 0
    assert services.tasks_status(world.province, day) == {
        "rows": [], "counts": dict.fromkeys(services.COUNT_KEYS, 0)
    }  # fmt: skip
