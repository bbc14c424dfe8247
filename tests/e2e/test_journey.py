"""The whole journey in Chromium, with a real `sheetflow worker` process and a real SMTP server.

The contractor (Apex Builders, review mode) publishes a set; the subcontractor (Brightline
Electric) connects through the wizard, is approved, receives the copies, publishes them, sees
an edit, a new revision and a withdrawal arrive, disconnects, and later changes stay upstream.
Every step checks the emails the SMTP server received.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Locator, Page, expect

from sheetflow.drawings.models import Drawing
from sheetflow.drawings.samples import drawing_set_pdf
from tests.cast import Cast
from tests.worker_processes import start_worker, stop

SHEETS = (
    ("A-101", "Floor Plan - Level 1"),
    ("A-102", "Floor Plan - Level 2"),
    ("S-101", "Foundation Plan"),
    ("E-101", "Lighting Plan"),
)
UP, DOWN = "Riverside Medical Center", "Riverside Electrical"
# Subjects: the sender's company, then projects by code and quoted name.
GC, SUB = "Apex Builders", "Brightline Electric"
UPC, DOWNC = f'RMC "{UP}"', f'BE-RMC "{DOWN}"'
WAIT = 20.0  # seconds any one step may take before the test fails


class Inbox:
    """An aiosmtpd handler keeping (subject, recipients) of every message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, frozenset[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert message.get_content_type() == "multipart/alternative"
        with self.lock:
            self.received.append((str(message["Subject"]).strip(), frozenset(envelope.rcpt_tos)))
        return "250 Message accepted"

    def recipients(self, subject: str) -> set[str]:
        with self.lock:
            return {r for s, rcpts in self.received if s == subject for r in rcpts}

    def expect(self, subject: str, *to: str) -> None:
        """Wait until exactly these recipients have received a message with this subject."""
        deadline = time.monotonic() + WAIT
        while self.recipients(subject) != set(to) and time.monotonic() < deadline:
            time.sleep(0.1)
        with self.lock:
            got = list(self.received)
        assert self.recipients(subject) == set(to), f"{subject!r} to {to}; received: {got}"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def worker(smtp: tuple[Inbox, int], site_url: str) -> Iterator[None]:
    """A real worker process: renders thumbnails, syncs, sends the emails to our SMTP server."""
    process = start_worker(
        EMAIL_URL=f"smtp://127.0.0.1:{smtp[1]}",
        SITE_URL=site_url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    try:
        yield
    finally:
        stop(process)


def reload_until(page: Page, locator: Locator, text: str) -> None:
    """Reload the page until the locator shows the text (the worker runs on its own time)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            expect(locator).to_contain_text(text, timeout=300)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def wait_for_idle_queue() -> None:
    """Wait until the worker has finished every task queued so far."""
    done = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    deadline = time.monotonic() + WAIT
    while DBTaskResult.objects.exclude(status__in=done).exists():
        assert time.monotonic() < deadline, "the worker did not finish its tasks"
        time.sleep(0.1)
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()


def upload(page: Page, base: str, pdf: Path, *, revision: str, set_name: str) -> None:
    page.goto(f"{base}upload/")
    page.get_by_label("PDF files").set_input_files(str(pdf))
    page.get_by_label("…or a new set named").fill(set_name)
    page.get_by_label("Revision", exact=True).fill(revision)
    page.get_by_label("Revision status").fill("For Construction")


@pytest.mark.django_db(transaction=True)
def test_the_whole_journey_from_upload_to_disconnect(
    page: Page,
    cast: Cast,
    sign_in: Callable[..., None],
    site_url: str,
    shot: Callable[..., Any],
    smtp: tuple[Inbox, int],
    worker: None,
    tmp_path: Path,
) -> None:
    inbox = smtp[0]
    gc, sub = cast.gc_pm.email, cast.sub_pm.email
    up = f"{site_url}/projects/{cast.gc_project.pk}/drawings/"
    down = f"{site_url}/projects/{cast.sub_project.pk}/drawings/"
    log = page.locator("#drawing-log")

    # The contractor's company admin asks for connection requests to be reviewed.
    sign_in(page, cast.gc_admin)
    page.goto(f"{site_url}/company/settings/")
    page.get_by_label(re.compile("review", re.I)).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label(re.compile("review", re.I))).to_be_checked()
    shot(page, "01-review-mode")

    # The contractor's drawings admin uploads a four-page set, corrects a number, publishes.
    pdf = tmp_path / "RMC IFC set.pdf"
    pdf.write_bytes(drawing_set_pdf(SHEETS, revision="0"))
    sign_in(page, cast.gc_pm)
    upload(page, up, pdf, revision="0", set_name="IFC")
    page.get_by_role("button", name="Upload and review").click()
    expect(page.get_by_role("heading", name="Review 4 sheets")).to_be_visible()
    page.get_by_label("Number of sheet 2").fill("A-201")
    shot(page, "02-upload-review")
    page.get_by_role("button", name="Add sheets").click()
    expect(page.get_by_text("4 sheet(s) added, unpublished")).to_be_visible()
    deadline = time.monotonic() + WAIT
    while log.locator("img.dw-thumb").count() < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
        page.reload()
    expect(log.locator("img.dw-thumb")).to_have_count(4)
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("4 revision(s) published:")).to_be_visible()
    page.goto(up)
    expect(log).to_contain_text("A-201")
    expect(log).not_to_contain_text("Unpublished")
    shot(page, "03-contractor-published")

    # The subcontractor's admin connects through the wizard; review is required.
    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/")
    page.get_by_role("link", name="Connect upstream").click()
    page.get_by_label("Upstream company").select_option(label="Apex Builders")
    page.get_by_label("Upstream project").select_option(label=f"RMC {UP}")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Things to consider")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    shot(page, "04-wizard-connect")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    shot(page, "05-request-sent")
    inbox.expect(f"[Sheetflow] {SUB} · Review request: {DOWNC} wants to connect to {UPC}", gc)
    inbox.expect(f"[Sheetflow] {GC} · Request sent: {DOWNC} to {UPC}", sub)

    # The contractor's admin approves from the notification.
    sign_in(page, cast.gc_pm)
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.get_by_role("button", name=re.compile("Review request")).click()
    expect(page.get_by_role("heading", name="Review request")).to_be_visible()
    shot(page, "06-review-request")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#connection .badge")).to_have_text("Connected")
    inbox.expect(f"[Sheetflow] {GC} · Connected: {UPC} → {DOWNC}", gc, sub)

    # The subcontractor sees the initial copy's progress, then the unpublished copies.
    sign_in(page, cast.sub_pm)
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/")
    page.locator("#upstream").get_by_role("link", name="Open", exact=True).click()
    expect(page.locator("#sync")).to_contain_text("Initial copy:")
    shot(page, "07-initial-copy")
    reload_until(page, page.locator("#sync"), "4 / 4 revisions — complete")
    shot(page, "08-initial-copy-complete")
    inbox.expect(f"[Sheetflow] {GC} · RMC → BE-RMC: initial sync complete, 4 sheets to review", sub)

    page.goto(down)
    expect(log.locator("tbody tr")).to_have_count(4)
    expect(log.get_by_text("Unpublished")).to_have_count(4)
    expect(log.get_by_text("Connected", exact=True)).to_have_count(4)
    expect(log).to_contain_text(f"from Apex Builders · {UP}")
    expect(log.locator("img.dw-thumb")).to_have_count(4)
    shot(page, "09-copies-unpublished")

    # The subcontractor publishes them.
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("4 revision(s) published:")).to_be_visible()
    expect(log).not_to_contain_text("Unpublished")
    shot(page, "10-copies-published")

    # The contractor edits a title and publishes a new revision of S-101.
    sign_in(page, cast.gc_pm)
    page.goto(up)
    log.get_by_role("link", name="A-101", exact=True).click()
    page.get_by_label("Title", exact=True).fill("Ground Floor Plan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A-101 saved.")).to_be_visible()
    rev1 = tmp_path / "S-101 rev 1.pdf"
    rev1.write_bytes(drawing_set_pdf((("S-101", "Foundation Plan"),), revision="1"))
    upload(page, up, rev1, revision="1", set_name="Addendum 1")
    page.get_by_role("button", name="Upload and review").click()
    expect(page.get_by_label("Number of sheet 1")).to_have_value("S-101")
    page.get_by_role("button", name="Add sheets").click()
    page.goto(up)
    log.get_by_role("link", name="S-101", exact=True).click()
    page.get_by_label("Select rev 1").check()
    page.get_by_role("button", name="Publish selected", exact=True).click()
    expect(page.get_by_text("1 revision(s) published:")).to_be_visible()
    shot(page, "11-contractor-new-revision")
    inbox.expect(f"[Sheetflow] {GC} · RMC → BE-RMC: 1 new revision", sub)

    # Both reach the subcontractor.
    sign_in(page, cast.sub_pm)
    page.goto(down)
    reload_until(page, log, "Ground Floor Plan")
    expect(log).to_contain_text("Rev 1 pending")
    shot(page, "12-edit-and-revision-downstream")

    # The contractor unpublishes E-101; the copy shows it was withdrawn upstream.
    sign_in(page, cast.gc_pm)
    page.goto(up)
    page.get_by_label("Select E-101").check()
    page.get_by_role("button", name="Unpublish", exact=True).click()
    expect(page.get_by_text("1 revision(s) unpublished:")).to_be_visible()
    sign_in(page, cast.sub_pm)
    page.goto(down)
    row = log.locator("tr", has_text="E-101")
    reload_until(page, row, "Withdrawn upstream")
    shot(page, "13-withdrawn-upstream")

    # The subcontractor disconnects with a reason.
    page.goto(f"{site_url}/projects/{cast.sub_project.pk}/connections/")
    page.locator("#upstream").get_by_role("link", name="Open", exact=True).click()
    page.get_by_role("link", name="Disconnect…").click()
    page.get_by_label("Reason (required)").fill("Our scope on this job is complete.")
    page.get_by_label("I understand that disconnecting is permanent.").check()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.locator("#connection .badge")).to_have_text("Disconnected")
    expect(page.locator("#history")).to_contain_text("Our scope on this job is complete.")
    shot(page, "14-disconnected")
    inbox.expect(f"[Sheetflow] {SUB} · Disconnected: {UPC} → {DOWNC}", gc, sub)

    # A later upstream change stays upstream.
    wait_for_idle_queue()
    sent = inbox.count()
    sign_in(page, cast.gc_pm)
    page.goto(up)
    log.get_by_role("link", name="A-201", exact=True).click()
    page.get_by_label("Title", exact=True).fill("Second Floor Plan")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A-201 saved.")).to_be_visible()
    page.goto(up)
    page.get_by_label("Select E-101").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("1 revision(s) published:")).to_be_visible()
    wait_for_idle_queue()

    sign_in(page, cast.sub_pm)
    page.goto(down)
    expect(log).not_to_contain_text("Second Floor Plan")
    expect(log.locator("tr", has_text="E-101")).to_contain_text("Withdrawn upstream")
    shot(page, "15-later-change-not-copied")
    copies = Drawing.objects.filter(project=cast.sub_project)
    assert not copies.filter(title__icontains="Second Floor").exists()
    assert inbox.count() == sent
