"""DOCX → PDF with headless LibreOffice (`soffice --headless --convert-to pdf`), fonts embedded.

Each conversion runs in its own temporary directory with its own LibreOffice profile
(`-env:UserInstallation=file:///tmp/…`): two conversions sharing a profile would lock each other out or hand
the document to the other's already running instance. On this machine LibreOffice substitutes the
metric-compatible Liberation Serif (or Tinos) for Times New Roman (`make report-deps` installs them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess  # nosec B404  # LibreOffice, a fixed argument list
import tempfile
from pathlib import Path

from binhdan.reports.documents import DocumentError

TIMEOUT_SECONDS = 120
SOFFICE_NAMES = ("soffice", "libreoffice")


def soffice_path() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    for name in SOFFICE_NAMES:
        if found := shutil.which(name):
            return found
    return None


def docx_to_pdf(data: bytes, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The PDF of a DOCX document; DocumentError (Vietnamese) when LibreOffice is missing, fails or hangs."""
    soffice = soffice_path()
    if soffice is None:
        raise DocumentError(
            "Không tạo được tệp PDF: máy chủ chưa cài LibreOffice (lệnh soffice). "
            "Quản trị viên cài bằng lệnh “make report-deps”; trong lúc chờ, hãy tải bản Word (DOCX)."
        )
    with tempfile.TemporaryDirectory(prefix="binhdan-pdf-") as work:
        folder = Path(work)
        source = folder / "bao-cao.docx"
        source.write_bytes(data)
        profile = folder / "profile"
        command = [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
            "--nodefault", "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(folder), str(source),
        ]  # fmt: skip
        env = dict(os.environ, HOME=str(folder), TMPDIR=str(folder))
        try:
            # A session of its own, so that a timeout ends LibreOffice's helper processes too.
            process = subprocess.Popen(  # nosec B603  # a fixed argument list, no shell
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=folder,
                start_new_session=True,
            )  # fmt: skip
        except OSError as error:
            raise DocumentError(f"Không chạy được LibreOffice để tạo tệp PDF ({error.strerror}).") from error
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise DocumentError(
                f"Không tạo được tệp PDF: LibreOffice không trả lời sau {int(timeout)} giây. "
                "Hãy thử lại sau ít phút hoặc tải bản Word (DOCX)."
            ) from None
        target = folder / "bao-cao.pdf"
        if process.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
            raise DocumentError(
                "Không tạo được tệp PDF: LibreOffice báo lỗi"
                + (f" ({detail[0][:200]})" if detail else f" (mã {process.returncode})")
                + ". Hãy tải bản Word (DOCX)."
            )
        return target.read_bytes()


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


__all__ = ["TIMEOUT_SECONDS", "docx_to_pdf", "soffice_path"]
