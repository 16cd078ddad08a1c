"""The client's address, for limits and audit: the socket address unless a trusted proxy says otherwise.

Forwarded headers are set by whoever sends the request, so they are believed only when
`TRUSTED_PROXY_HEADER` names the header a proxy in front of every request sets. With
`X-Forwarded-For` each proxy appends the address it saw, so the client is the entry
`TRUSTED_PROXY_COUNT` places from the right; entries further left are the client's own claims.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as text, or None when there is none worth recording."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    header = settings.TRUSTED_PROXY_HEADER.strip()
    if not header:
        return remote
    raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    entries = [part.strip() for part in str(raw).split(",") if part.strip()]
    count = max(1, settings.TRUSTED_PROXY_COUNT)
    if len(entries) < count:
        return remote  # the proxy chain did not run as configured; do not believe the rest
    return _valid(entries[-count]) or remote


# One IPv6 subscriber usually holds a whole /64; limits count it as one address.
IPV6_LIMIT_PREFIX = 64


def client_key(request: HttpRequest) -> str:
    """The client address for counting limits: the IPv4 address, or the IPv6 /64 it belongs to."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False))
    return address
