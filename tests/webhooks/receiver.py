"""A real HTTP receiver for webhook tests: stdlib http.server in a thread on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signature_valid(self, secret: str) -> bool:
        """Check the signature as the README tells receivers to."""
        timestamp = self.headers["Sheetflow-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        given = self.headers["Sheetflow-Signature"].removeprefix("v1=")
        return hmac.compare_digest(expected, given) and abs(time.time() - int(timestamp)) < 300


@dataclass
class Receiver:
    """Answers ``failures`` times with 500, then 200; ``hold`` blocks the first request."""

    failures: int = 0
    status_after: int = 200
    redirect: bool = False
    received: list[Received] = field(default_factory=list)
    got_one: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event | None = None
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def start(self) -> Receiver:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                outer.received.append(
                    Received(self.path, {k: v for k, v in self.headers.items()}, body)
                )
                first = len(outer.received) == 1
                outer.got_one.set()
                if first and outer.hold is not None:
                    outer.hold.wait(30)
                if outer.redirect:
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                elif len(outer.received) <= outer.failures:
                    self.send_response(500)
                else:
                    self.send_response(outer.status_after)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"x" * 5000 if outer.failures else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
