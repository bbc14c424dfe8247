"""Sync has its own worker capacity: a task holding the main loop does not delay it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import close_old_connections

from sheetflow.notifications.services import notify
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream
from tests.drawings.factories import publish_sheets
from tests.worker_processes import start_worker, stop


class StuckInbox:
    """An SMTP server that holds each message until released (a slow mail relay)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.entered.set()
        for _ in range(160):  # at most 8 s, under the client's 10 s timeout
            if self.release.is_set():
                break
            await asyncio.sleep(0.05)
        self.count += 1
        return "250 Message accepted"


@pytest.fixture
def stuck_smtp() -> Iterator[tuple[StuckInbox, int]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = StuckInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_sync_runs_while_the_main_loop_is_held_by_a_slow_task(
    cast: Cast, stuck_smtp: tuple[StuckInbox, int]
) -> None:
    inbox, port = stuck_smtp
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    notify(
        event="connection_request_sent",
        recipients=[cast.gc_admin],
        context={"upstream": cast.gc_project, "downstream": cast.sub_project},
        link="/",
    )
    worker = start_worker(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    try:
        assert inbox.entered.wait(60), "the worker never started the email"
        publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["A-101", "A-102"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            close_old_connections()
            if copies_in(cast.sub_project).keys() == published_upstream(cast.gc_project).keys():
                break
            time.sleep(0.05)
        synced = copies_in(cast.sub_project).keys() == published_upstream(cast.gc_project).keys()
        held = not inbox.release.is_set() and inbox.count == 0
    finally:
        inbox.release.set()
        stop(worker)
    assert synced and len(copies_in(cast.sub_project)) == 2
    assert held, "the email finished first: the test proved nothing"
