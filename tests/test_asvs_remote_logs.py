"""ASVS 4.0.3 1.7.2: with LOG_SYSLOG_ADDRESS the app's and the security logger's lines reach a log host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from config.env import syslog_address

ROOT = Path(__file__).resolve().parents[1]
EMIT = (
    "import django, logging; django.setup(); "
    "logging.getLogger('binhdan.security').warning('access_denied status=404 reason=test'); "
    "logging.getLogger('binhdan.common.jobs').info('job ran')"
)


def _emit(address: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "DATABASE_URL"}}
    env.update({"DEBUG": "1", "LOG_SYSLOG_ADDRESS": address, "DJANGO_SETTINGS_MODULE": "config.settings"})
    return subprocess.run(
        [sys.executable, "-c", EMIT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _received(server: socket.socket, count: int) -> list[str]:
    server.settimeout(10)
    return [server.recv(4096).decode("utf-8") for _ in range(count)]


def test_v1_7_2_lines_are_sent_to_a_udp_log_host() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        result = _emit(f"127.0.0.1:{port}")
        assert result.returncode == 0, result.stderr
        security, app = _received(server, 2)
    # <PRI>: facility user (1) * 8 + severity warning (4) = 12; info (6) = 14.
    assert (
        security.startswith("<12>binhdan[")
        and "WARNING binhdan.security access_denied status=404" in security
    )
    assert app.startswith("<14>binhdan[") and "INFO binhdan.common.jobs job ran" in app
    assert "access_denied" in result.stderr  # the console keeps its copy


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no unix sockets")
def test_v1_7_2_a_unix_socket_path_is_the_local_syslog() -> None:
    with tempfile.TemporaryDirectory(prefix="s-syslog-") as folder:
        path = str(Path(folder) / "log")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
            server.bind(path)
            result = _emit(path)
            assert result.returncode == 0, result.stderr
            assert "binhdan.security access_denied" in _received(server, 1)[0]


def test_the_address_forms() -> None:
    assert syslog_address("") is None
    assert syslog_address("logs.tinh.example:514") == (("logs.tinh.example", 514), socket.SOCK_DGRAM)
    assert syslog_address("tcp://10.0.0.5:6514") == (("10.0.0.5", 6514), socket.SOCK_STREAM)
    assert syslog_address("udp://[::1]:514") == (("::1", 514), socket.SOCK_DGRAM)
    assert syslog_address("/dev/log") == ("/dev/log", socket.SOCK_DGRAM)
    for wrong in ("logs.example", "logs.example:abc", ":514", "host:70000"):
        with pytest.raises(ValueError, match="LOG_SYSLOG_ADDRESS"):
            syslog_address(wrong)
