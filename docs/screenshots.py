"""Regenerate the README tour screenshots in docs/screenshots/.

    .venv/bin/python docs/screenshots.py

Loads the demo data into a throwaway data folder, connects two subcontractor projects to the
contractor's (one connected and synced, one waiting for review), starts the web server and a
worker on it, and photographs the main pages with Playwright and Debian's Chromium.
Images are 1280 px wide at most, palette-quantised PNGs under 150 KB each.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
MAX_BYTES = 150_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sheetflow(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "sheetflow.cli", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str]) -> dict[str, int]:
    """Demo data plus connections in the states the tour shows; returns ids of interest."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sheetflow.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sheetflow.accounts.models import User
    from sheetflow.connections.models import ApprovalMode
    from sheetflow.connections.services import company_setting_update, connection_request
    from sheetflow.projects.models import Project

    def user(email: str) -> User:
        return User.objects.get(email=email)

    rmc = Project.objects.get(code="RMC")
    electrical = Project.objects.get(code="BE-RMC")
    hvac = Project.objects.get(code="CM-RMC")
    # Cornerstone's project is connected by the demo (auto-approved); Brightline's asks after
    # the contractor's company switched to reviewing requests, so it waits for approval.
    alice = user("alice@apex.example")
    company_setting_update(user=alice, company=alice.company, approval_mode=ApprovalMode.REVIEW)
    if not electrical.upstream_connections.exists():
        connection_request(
            user=user("bella@brightline.example"), downstream=electrical, upstream=rmc
        )
    # Two real issues of one sheet (tests/fixtures/real/, CC BY-SA 4.0, OpeningDesign) for the
    # viewer and compare photographs.
    from sheetflow.drawings.models import Drawing
    from tests.drawings.real_sheets import real_a010

    a010 = Drawing.objects.filter(project=rmc, number="A010", deleted_at__isnull=True).first()
    if a010 is None:
        first, second = real_a010(rmc, user("gary@apex.example"))
    else:
        second, first = list(a010.revisions.order_by("-drawing_date")[:2])
    from django.db import connection

    connection.close()
    return {
        "rmc": rmc.pk,
        "electrical": electrical.pk,
        "hvac": hvac.pk,
        "a010": first.drawing_id,
        "a010_1": first.pk,
        "a010_2": second.pk,
    }


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def save(page: object, name: str, *, full_page: bool = False) -> None:
    """Screenshot, then quantise to a palette PNG so the tour stays small."""
    from PIL import Image

    raw = page.screenshot(full_page=full_page)  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if image.width > 1280:
        image = image.resize((1280, round(image.height * 1280 / image.width)))
    if image.height > 1600:
        image = image.crop((0, 0, image.width, 1600))
    for colours in (128, 64, 32):
        out = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            out, "PNG", optimize=True
        )
        if out.tell() < MAX_BYTES:
            break
    (OUT / f"{name}.png").write_bytes(out.getvalue())
    print(f"{name}.png  {image.width}x{image.height}  {out.tell() // 1024} KB")


def photograph(site: str, ids: dict[str, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    from sheetflow.demo import PASSWORD

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)

        def sign_in(email: str) -> None:
            page.context.clear_cookies()
            page.goto(f"{site}/accounts/sign-in/")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)

        sign_in("gary@apex.example")
        save(page, "sign-in")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{site}/projects/")
        save(page, "projects")

        drawings = f"{site}/projects/{ids['rmc']}/drawings/"
        page.goto(drawings)
        expect(page.locator("img.dw-thumb").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        save(page, "drawing-log")

        page.goto(f"{drawings}upload/")
        from sheetflow.drawings.samples import drawing_set_pdf

        pdf = Path(tempfile.mkdtemp()) / "Addendum 2.pdf"
        pdf.write_bytes(
            drawing_set_pdf(
                (("A-105", "Enlarged Plan - Lobby"), ("A-106", "Enlarged Plan - Imaging")),
                revision="0",
            )
        )
        page.get_by_label("PDF files").set_input_files(str(pdf))
        page.get_by_label("…or a new set named").fill("Addendum 2")
        page.get_by_label("Revision status").fill("For Construction")
        page.get_by_role("button", name="Upload and review").click()
        expect(page.get_by_role("heading", name="Review 2 sheets")).to_be_visible()
        save(page, "upload-review")
        sheets(page, site, ids)

        page.goto(f"{site}/projects/{ids['rmc']}/connections/")
        save(page, "connection-manager", full_page=True)
        review = page.get_by_role("link", name="Review", exact=True)
        if review.count():  # the demo may have no request waiting (then the old photo stays)
            review.first.click()
            expect(page.get_by_role("heading", name="Review request")).to_be_visible()
            save(page, "review-request")
        page.goto(f"{site}/notifications/")
        save(page, "notifications")
        distribution(page, site, ids)

        sign_in("cora@cornerstone.example")
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{site}/projects/{ids['hvac']}/connections/")
        page.locator("#upstream").get_by_role("link", name="Open", exact=True).click()
        expect(page.locator("#sync")).to_contain_text("complete")
        save(page, "connection-sync", full_page=True)

        # The subcontractor published the initial copy; the contractor then reissues three
        # sheets, which arrive as one batch in the subcontractor's review queue.
        reissue(ids)
        queue = f"{site}/projects/{ids['hvac']}/drawings/review-queue/"
        page.goto(queue)
        deadline = time.monotonic() + 30
        while page.locator(".queue-item").count() < 3 and time.monotonic() < deadline:
            time.sleep(0.3)
            page.reload()
        expect(page.locator("img.dw-thumb")).to_have_count(3)
        page.wait_for_load_state("networkidle")
        save(page, "review-queue", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{site}/projects/{ids['hvac']}/drawings/")
        page.wait_for_load_state("networkidle")
        save(page, "drawing-log-phone")
        browser.close()


def reissue(ids: dict[str, int]) -> None:
    """Publish the subcontractor's copies, then reissue three contractor sheets at rev 2."""
    # Called while Playwright's sync API runs its event loop in this thread; these ORM calls
    # are ordinary synchronous ones (as in the browser tests).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import datetime as dt
    import io as _io

    from sheetflow.accounts.models import User
    from sheetflow.drawings.models import Area, Revision
    from sheetflow.drawings.samples import drawing_set_pdf
    from sheetflow.drawings.services import (
        UploadedFile,
        revision_render,
        revisions_publish,
        set_get_or_create,
        upload_confirm,
        upload_create,
    )
    from sheetflow.projects.models import Project

    cora = User.objects.get(email="cora@cornerstone.example")
    gary = User.objects.get(email="gary@apex.example")
    revisions_publish(user=cora, revisions=Revision.objects.filter(project_id=ids["hvac"]))
    rmc = Project.objects.get(pk=ids["rmc"])
    sheets = (
        ("A-103", "Floor Plan - Level 3"),
        ("A-104", "Roof Plan"),
        ("E-102", "Lighting Plan - Level 2"),
    )
    data = drawing_set_pdf(sheets, revision="2")
    upload = upload_create(
        project=rmc,
        user=gary,
        files=[UploadedFile(name="Addendum 3.pdf", file=_io.BytesIO(data), size=len(data))],
        area=Area.objects.filter(project=rmc, deleted_at__isnull=True).first(),  # type: ignore[arg-type]
        drawing_set=set_get_or_create(project=rmc, name="Addendum 3"),
        drawing_date=dt.date.today(),
        received_date=dt.date.today(),
        revision_number="2",
    )
    created = upload_confirm(upload=upload, user=gary)
    for revision in created:
        revision_render(revision_id=revision.pk)
    revisions_publish(user=gary, revisions=created)


def sheets(page: Any, site: str, ids: dict[str, int]) -> None:
    """The viewer and compare on the real A010 sheet, on a desktop and on a phone."""
    from playwright.sync_api import expect

    drawings = f"{site}/projects/{ids['rmc']}/drawings"
    viewer = f"{drawings}/revisions/{ids['a010_2']}/view/"
    compare = f"{drawings}/{ids['a010']}/compare/?a={ids['a010_1']}&b={ids['a010_2']}"
    for suffix, width, height in (("", 1280, 800), ("-phone", 390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(viewer)
        expect(page.locator("#viewer.vw-ready")).to_be_attached(timeout=120_000)
        page.wait_for_timeout(300)
        save(page, f"viewer{suffix}")
        page.goto(compare)
        expect(page.locator("#cmp-count")).to_be_visible(timeout=120_000)
        page.wait_for_load_state("networkidle")
        save(page, f"compare{suffix}", full_page=bool(suffix))
    page.set_viewport_size(VIEWPORT)


def publish_some_copies(ids: dict[str, int]) -> None:
    """Cornerstone publishes part of what it received (after the copy)."""
    from sheetflow.accounts.models import User
    from sheetflow.drawings.models import Revision
    from sheetflow.drawings.services import revisions_publish

    copies = list(
        Revision.objects.filter(project_id=ids["hvac"], upstream_uuid__isnull=False)
        .order_by("drawing__number", "pk")
        .select_related("drawing")
    )
    cora = User.objects.get(email="cora@cornerstone.example")
    revisions_publish(user=cora, revisions=copies[::2])


def distribution(page: Any, site: str, ids: dict[str, int], suffix: str = "") -> None:
    """The contractor's distribution view: the matrix, and one revision's distribution."""
    from playwright.sync_api import expect

    page.goto(f"{site}/projects/{ids['rmc']}/connections/distribution/matrix/")
    expect(page.locator("#distribution-matrix")).to_be_visible()
    save(page, f"distribution-matrix{suffix}")
    published = page.locator("#distribution-matrix tbody tr", has=page.locator(".dist-published"))
    published.first.locator("a").first.click()
    expect(page.locator("#distribution-revision")).to_be_visible()
    save(page, f"distribution-revision{suffix}")


def wizard(site: str, project_id: int) -> None:
    """The connect wizard, seen by a subcontractor whose project has no upstream yet."""
    from playwright.sync_api import expect, sync_playwright

    from sheetflow.demo import PASSWORD

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{site}/accounts/sign-in/")
        page.get_by_label("Email").fill("gary@apex.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{site}/projects/{project_id}/connections/connect/")
        page.get_by_label("Upstream company").select_option(label="Apex Builders")
        page.get_by_label("Upstream project").select_option(label="RMC Riverside Medical Center")
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("heading", name="Things to consider")).to_be_visible()
        save(page, "connect-wizard", full_page=True)
        browser.close()


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="sheetflow-tour-"))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}},
        "DATA_DIR": str(data),
        "DEBUG": "1",
        "SITE_URL": site,
        "EMAIL_URL": "locmem://",
    }
    sheetflow(env, "migrate", "--verbosity", "0")
    sheetflow(env, "demo")
    ids = prepare(env)
    worker = subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{site}/accounts/sign-in/")
        time.sleep(3)  # let the worker finish the initial copy before the photographs
        publish_some_copies(ids)
        photograph(site, ids)
        wizard(site, harbor_view(env))
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=10)


def harbor_view(env: dict[str, str]) -> int:
    from sheetflow.projects.models import Project

    return Project.objects.get(code="HVO").pk


if __name__ == "__main__":
    main()
