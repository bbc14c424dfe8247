"""Sending one signed request safely: checked address, no redirects, short timeouts.

Safety (server-side request forgery): the host is resolved at send time and every address it
resolves to must be public (or inside ``WEBHOOK_ALLOWED_NETWORKS``); the connection is then
made to the checked address itself, so a second lookup cannot point elsewhere. Redirects are
never followed. A refusal happens before any connection is attempted.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from sheetflow.common.errors import ServiceError

# What the delivery log keeps of a response.
RESPONSE_KEPT = 2_000
# What is read of a response at most (the rest is not waited for).
RESPONSE_READ = 64 * 1024

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(ServiceError):
    """The URL may not be called (scheme, or an address that is not public)."""

    status = 422
    code = "webhook_url_refused"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of ``timestamp.body`` with the endpoint's secret, hex encoded."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_allowed(address: Address) -> bool:
    """Public addresses only, unless the address is inside an allowed network."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if any(address in network for network in _allowed_networks()):
        return True
    # is_global is false for loopback, private, link-local (169.254/16, the cloud metadata
    # address), shared, reserved and unspecified ranges alike.
    return address.is_global and not address.is_multicast


def check_url(url: str) -> tuple[str, str, int]:
    """Scheme and shape of an endpoint URL: (scheme, host, port), or Refused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("Webhook URLs must start with https://.")
    if scheme == "http" and not (settings.DEBUG or settings.WEBHOOK_ALLOW_HTTP):
        raise Refused("Webhook URLs must use https://.")
    if parts.username or parts.password:
        raise Refused("Webhook URLs may not carry a user name or password.")
    host = parts.hostname or ""
    if not host:
        raise Refused("The webhook URL has no host.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("The webhook URL's port is not valid.") from exc
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(literal):
        raise Refused("Webhook URLs may not point at private, loopback or link-local addresses.")
    return scheme, host, port


def resolve(host: str, port: int) -> Address:
    """The address to connect to: every address the name has must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"The host {host} could not be resolved.") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise Refused(f"The host {host} could not be resolved.")
    for address in addresses:
        if not address_allowed(address):
            raise Refused(
                f"The host {host} resolves to {address}, a private, loopback or link-local "
                "address; webhooks are not sent there."
            )
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to an already checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self.address), self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an already checked address; the certificate is verified for the URL's host."""

    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((str(self.address), self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Response:
    status: int | None
    body: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST the body; never raises for the remote's failures (Refused is raised, unsent)."""
    scheme, host, port = check_url(url)
    address = resolve(host, port)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = cls(host, port, address, timeout)
    started = time.monotonic()
    try:
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read(RESPONSE_READ).decode("utf-8", errors="replace")
        status: int | None = answer.status
        error = "" if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        if 300 <= answer.status < 400:
            error = f"HTTP {answer.status}: redirects are not followed"
    except (OSError, http.client.HTTPException) as exc:
        status, text, error = None, "", f"{type(exc).__name__}: {exc}"[:500]
    finally:
        conn.close()
    duration = int((time.monotonic() - started) * 1000)
    return Response(status=status, body=text[:RESPONSE_KEPT], duration_ms=duration, error=error)
