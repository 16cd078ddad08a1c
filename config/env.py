"""Small typed readers for settings that come from the environment.

Every variable read here must be documented in docs/configuration.md and .env.example;
binhdan/common/tests/test_configuration.py fails otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from a local .env file without overriding the real environment."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_load_dotenv(BASE_DIR / ".env")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return int(raw)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def syslog_address(value: str) -> tuple[tuple[str, int] | str, int] | None:
    """LOG_SYSLOG_ADDRESS as SysLogHandler's (address, socket type), or None when empty.

    `host:port` or `udp://host:port` (UDP, syslog's usual 514), `tcp://host:port` (TCP), or the path of a
    unix socket (`/dev/log`, the local journald/rsyslog that forwards to the log host). IPv6: `[::1]:514`.
    """
    import socket

    value = value.strip()
    if not value:
        return None
    if value.startswith("/"):
        return value, socket.SOCK_DGRAM
    kind = socket.SOCK_DGRAM
    for scheme, socktype in (("udp://", socket.SOCK_DGRAM), ("tcp://", socket.SOCK_STREAM)):
        if value.startswith(scheme):
            value, kind = value[len(scheme) :], socktype
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"LOG_SYSLOG_ADDRESS must be host:port, udp://host:port, tcp://host:port or /path/to/socket, got {value!r}"
        )
    return (host, int(port)), kind
