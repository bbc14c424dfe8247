"""HTTPS to the checked address: the certificate is verified for the URL's host name."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sheetflow.webhooks import transport


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` made with the openssl command."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class _Ok(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.headers.get("Host", "").encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert, key = _certificate(tmp_path, "hooks.test")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert
    server.shutdown()
    server.server_close()


@pytest.fixture
def resolves_to_loopback(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]

    def fake_dns(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", fake_dns)


def _trusting(monkeypatch: pytest.MonkeyPatch, cafile: Path) -> None:
    original = ssl.create_default_context
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: original(cafile=cafile))


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    tls_server, resolves_to_loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_server
    _trusting(monkeypatch, cert)
    answer = transport.post(f"https://hooks.test:{port}/in", b"{}", {})
    assert answer.ok and answer.body == f"hooks.test:{port}"


def test_a_certificate_for_another_name_is_refused(
    tls_server, resolves_to_loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, cert = tls_server
    _trusting(monkeypatch, cert)
    answer = transport.post(f"https://other.test:{port}/in", b"{}", {})
    assert not answer.ok and answer.status is None
    assert "CERTIFICATE_VERIFY_FAILED" in answer.error or "match" in answer.error


def test_an_untrusted_certificate_is_refused(tls_server, resolves_to_loopback) -> None:
    port, _ = tls_server
    answer = transport.post(f"https://hooks.test:{port}/in", b"{}", {})
    assert not answer.ok and "CERTIFICATE_VERIFY_FAILED" in answer.error
