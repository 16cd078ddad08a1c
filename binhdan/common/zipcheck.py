"""Refuse a ZIP-based upload (XLSX, DOCX) that would expand far beyond its size before any reader opens it.

A 20 MB workbook can hold gigabytes of repeated cells ("zip bomb"); the readers would then fill the
memory of a worker. The central directory says how large each member expands, so the check costs
nothing. OWASP ASVS 12.1.2.
"""

from __future__ import annotations

import io
import zipfile

# A real commune list of 30,000 residents expands to about 25 MB; these leave a wide margin.
MAX_EXPANDED_BYTES = 300 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_RATIO = 200  # a member expanding more than 200 times its compressed size, when large


class ArchiveTooLarge(ValueError):
    """The archive would expand beyond the limits; the message is Vietnamese."""


def check_zip_expansion(
    data: bytes, *, max_expanded: int = MAX_EXPANDED_BYTES, max_members: int = MAX_MEMBERS
) -> None:
    """Raise `ArchiveTooLarge` for an archive that expands too far; anything that is not a ZIP passes."""
    if not data.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not readable as a ZIP: the reader will say the file is damaged
    if len(members) > max_members:
        raise ArchiveTooLarge(
            f"Tệp chứa quá nhiều thành phần ({len(members)}); hãy mở bằng Excel và lưu lại."
        )
    total = sum(m.file_size for m in members)
    if total > max_expanded:
        raise ArchiveTooLarge(
            f"Tệp khi giải nén lớn tới {total // (1024 * 1024)} MB (tối đa {max_expanded // (1024 * 1024)} MB); "
            "hãy bỏ các trang tính không cần rồi gửi lại."
        )
    for member in members:
        if member.file_size > 10 * 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ArchiveTooLarge(
                "Tệp có phần nén bất thường (giải nén ra lớn gấp hàng trăm lần); hãy mở bằng Excel và lưu lại."
            )
