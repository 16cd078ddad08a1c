"""A malware scan of uploaded files before anything reads them (OWASP ASVS 4.0.3 12.4.2, docs/security.md).

binhdan ships no virus scanner and no signatures: the deployer names one in `UPLOAD_SCAN_COMMAND`, for
example `clamdscan --no-summary -` (ClamAV's daemon, signatures kept fresh by `freshclam`). The
command gets the file on its standard input and answers by its exit status, as ClamAV does:

- 0: clean, the file is read;
- 1: a threat was found, the file is refused with a Vietnamese message and a `binhdan.security` line;
- anything else, no answer within `UPLOAD_SCAN_TIMEOUT` seconds, or a command that cannot be started:
  the scanner failed, and the file is refused as well (fail closed: an unscanned file is not read).

With `UPLOAD_SCAN_COMMAND` empty (the default) nothing is scanned. The command is split like a shell
would (`shlex`) but run without one, and never sees the user's file name.
"""

from __future__ import annotations

import logging
import shlex
import subprocess  # nosec B404  # the operator's scanner, fixed arguments, no shell
from urllib.parse import quote

from django.conf import settings

logger = logging.getLogger("binhdan.security")

INFECTED = (
    "Tệp bị từ chối: trình quét virus phát hiện mã độc trong tệp. Đừng mở tệp này trên máy; hãy báo cán bộ "
    "phụ trách công nghệ thông tin của xã."
)
SCANNER_FAILED = "Chưa kiểm tra được virus trong tệp nên chưa nhận tệp. Vui lòng thử lại sau ít phút."


class UploadRefused(Exception):
    """The file was not let through; `str(exc)` is the Vietnamese message for the person."""


def scan(data: bytes) -> None:
    """Pass `data` to UPLOAD_SCAN_COMMAND; raise UploadRefused unless it says the file is clean."""
    command = getattr(settings, "UPLOAD_SCAN_COMMAND", "")
    if not command:
        return
    args = shlex.split(command)
    try:
        result = subprocess.run(  # nosec B603  # the operator's command, no shell, no user input in argv
            args, input=data, capture_output=True, timeout=settings.UPLOAD_SCAN_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("upload_scan_failed reason=%s size=%s", type(exc).__name__, len(data))
        raise UploadRefused(SCANNER_FAILED) from exc
    if result.returncode == 0:
        return
    said = result.stdout.decode("utf-8", "replace").strip().splitlines()
    finding = quote(said[-1][:200] if said else "", safe=" :/._-")
    if result.returncode == 1:
        logger.warning("upload_refused reason=malware size=%s finding=%s", len(data), finding or "-")
        raise UploadRefused(INFECTED)
    logger.error("upload_scan_failed reason=exit_%s size=%s", result.returncode, len(data))
    raise UploadRefused(SCANNER_FAILED)
