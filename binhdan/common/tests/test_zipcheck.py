"""A workbook that would expand to gigabytes is refused from its central directory, before any reader."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from binhdan.common.zipcheck import ArchiveTooLarge, check_zip_expansion


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_real_workbook_and_other_files_pass():
    book = openpyxl.Workbook()
    book.active.append(["Họ và tên", "Năm sinh"])
    buffer = io.BytesIO()
    book.save(buffer)
    check_zip_expansion(buffer.getvalue())
    check_zip_expansion(b"ho ten,nam sinh\n")  # CSV
    check_zip_expansion(b"PK\x03\x04 damaged")  # left for the reader to call damaged


def test_a_zip_bomb_is_refused_in_vietnamese():
    bomb = _zip({"xl/worksheets/sheet1.xml": b"0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    with pytest.raises(ArchiveTooLarge, match="bất thường"):
        check_zip_expansion(bomb)
    with pytest.raises(ArchiveTooLarge, match="giải nén lớn tới"):
        check_zip_expansion(_zip({"a.xml": b"x" * 2048}), max_expanded=1024)
    with pytest.raises(ArchiveTooLarge, match="quá nhiều thành phần"):
        check_zip_expansion(_zip({f"{i}.xml": b"" for i in range(20)}), max_members=10)
