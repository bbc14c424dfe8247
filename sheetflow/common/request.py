"""Small request helpers."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For only through trusted proxies.

    X-Forwarded-For is read from the right, one entry per trusted hop, and only while the
    address that sent it is one of TRUSTED_PROXIES: entries a client wrote itself (on the
    left) are never reached, so nobody picks their own rate-limit bucket.
    """
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    if remote is None:
        return "unknown"
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return remote
    forwarded = [p for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p]
    client = remote
    for _ in range(settings.TRUSTED_PROXY_HOPS):
        if not _trusted(client, networks) or not forwarded:
            break
        previous = _address(forwarded.pop())
        if previous is None:
            break
        client = previous
    return client


# The largest id pages and the API accept (ids are 64-bit; bounded so no query overflows).
MAX_ID = 2**62
# Rows a page lists at most where a project has far fewer (areas, sets, members…).
LIST_SHOWN_MAX = 500


def id_param(value: object) -> int | None:
    """A positive id from a query or form value; None for anything else (never a 500)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
