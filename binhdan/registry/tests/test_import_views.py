"""The import pages: upload, preview, mapping, confirm, background jobs for large files, and scope."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from binhdan.registry import importing
from binhdan.registry.models import CommuneSettings, Household, ImportBatch, Resident
from binhdan.registry.tests import workbooks as wb


def upload(client, data, name="ds.xlsx", **extra):
    return client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(name, data), **extra})


def test_upload_preview_then_confirm_skipping_errors(world, client_for):
    CommuneSettings.objects.update_or_create(commune=world.commune, defaults={"store_citizen_ids": True})
    client = client_for(world.officer)
    response = upload(client, wb.household_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_batch", args=[batch.pk]
    )
    assert Household.objects.count() == 3  # the dry run wrote nothing
    page = client.get(response["Location"]).content.decode()
    assert "Kết quả kiểm tra (chưa ghi gì)" in page
    assert '<dd id="valid-rows">3</dd>' in page and '<dd id="error-rows">4</dd>' in page
    assert "Thôn “Thôn Bắc” không có trong Xã Sơn Đông" in page
    refused = client.post(reverse("registry:import_confirm", args=[batch.pk]))
    assert refused.status_code == 302 and Household.objects.count() == 3
    client.post(reverse("registry:import_confirm", args=[batch.pk]), {"bo_qua_dong_loi": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    # Only the rows left out are kept (for the error workbook); the rows written are gone.
    kept = " ".join(str(c) for row in importing.load_table(batch).rows for c in row)
    assert "Phạm Thị Em" in kept and "Cúc" not in kept and "Đỗ Thị Hạnh" not in kept
    assert Household.objects.count() == 6
    assert "Kết quả đã nhập" in client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()


def test_the_error_workbook_download(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.resident_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    response = client.get(reverse("registry:import_errors", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Danh sách"]
    assert sheet["J4"].value == "Lỗi cần sửa"
    assert sheet["J15"].value.startswith("Họ và tên: Trùng với người ở dòng 14")
    assert sheet["F8"].value == "0790******11"  # masked although the commune keeps no numbers at all


def test_an_unrecognised_name_column_asks_for_the_mapping(world, client_for):
    client = client_for(world.officer)
    data = "Người dân;Năm sinh;Thôn\nHà Văn Tư;1966;Thôn Đông\n".encode()
    response = upload(client, data, "tay.csv", commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.MAPPING
    assert response["Location"] == reverse("registry:import_mapping", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Hà Văn Tư" in page and "Người dân" in page
    bad = client.post(response["Location"], {"cot_0": "", "cot_1": "birth", "cot_2": "village"})
    assert bad.status_code == 400 and "Cần chọn một cột “Họ và tên”" in bad.content.decode()
    client.post(response["Location"], {"cot_0": "name", "cot_1": "birth", "cot_2": "village"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY and batch.summary["valid_rows"] == 1


def test_an_unreadable_file_is_reported_on_the_form(world, client_for):
    response = upload(client_for(world.officer), b"garbage", "ds.xlsx", commune=world.commune.pk)
    assert response.status_code == 200
    assert "Không đọc được tệp" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_large_file_runs_as_a_background_job(
    world, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(importing, "LARGE_FILE_ROWS", 5)
    client = client_for(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, wb.resident_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    assert batch.job is not None and batch.job.status == "done"
    assert batch.status == ImportBatch.Status.READY and batch.summary["error_rows"] == 3  # IDs not kept
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_confirm", args=[batch.pk]), {"bo_qua_dong_loi": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.job.kind == "registry.import_commit"
    assert Resident.objects.filter(full_name="Phạm Thị Gấm").count() == 1
    progress = client.get(reverse("common:job", args=[batch.job.pk]), HTTP_ACCEPT="application/json").json()
    assert progress["percent"] == 100


def test_discarding_drops_the_stored_cells(world, client_for):
    client = client_for(world.officer)
    upload(client, wb.household_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    client.post(reverse("registry:import_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.table) == (ImportBatch.Status.DISCARDED, None)


@pytest.mark.parametrize(
    "persona", ["member_a", "leader_a", "member_b", "leader", "province_officer", "other_officer"]
)
def test_only_the_communes_officers_reach_an_import(world, client_for, persona):
    upload(client_for(world.officer), wb.household_list_xlsx(), commune=world.commune.pk)
    batch = ImportBatch.objects.get()
    client = client_for(getattr(world, persona))
    urls = [
        reverse(name, args=[batch.pk])
        for name in ("registry:import_batch", "registry:import_mapping", "registry:import_errors")
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("registry:import_confirm", args=[batch.pk]), {"bo_qua_dong_loi": "1"}).status_code
        == 404
    )
    if persona != "other_officer":
        assert client.get(reverse("registry:import_start")).status_code == 404
    else:
        # Another commune's officer may import, but only into their own commune.
        response = upload(client, wb.household_list_xlsx(), commune=world.commune.pk)
        assert "Bạn không được nhập danh sách cho xã này." in response.content.decode()
    assert Household.objects.count() == 3
