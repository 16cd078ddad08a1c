"""A workbook that would expand to gigabytes is refused before it is read (common.zipcheck)."""

from __future__ import annotations

import io
import zipfile

import pytest

from binhdan.registry.importing.reading import UnreadableFile, read_sheets


def test_the_importer_refuses_a_zip_bomb_as_an_unreadable_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (40 * 1024 * 1024))
    with pytest.raises(UnreadableFile, match="bất thường"):
        read_sheets(buffer.getvalue(), "danh-sach.xlsx")
