"""Viewer and compare: first paint of a 36 x 24 in sheet in Chromium, compare time per pair."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import time
from statistics import median
from typing import Any

from bench import Options, line, section

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
RUNS = 5
PAINT_TARGET_MS = 1000
COMPARE_TARGET_S = 3.0


def arch_sheet(revision: str) -> bytes:
    """A 36 x 24 in architectural sheet: grid, walls, rooms, 8-pt notes, dimensions, title block.

    Revision "B" moves a wall, changes two dimensions and adds a note and a cloud, so the
    pair has real differences for compare.
    """
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas

    width, height = 36 * inch, 24 * inch
    out = io.BytesIO()
    c = Canvas(out, pagesize=(width, height), invariant=True)
    rng = random.Random("arch-sheet")
    c.setLineWidth(2)
    c.rect(36, 36, width - 72, height - 72)
    c.setLineWidth(0.3)
    c.setDash(8, 4)
    for i in range(24):
        x = 100 + i * 100
        c.line(x, 80, x, height - 80)
    for j in range(16):
        y = 100 + j * 100
        c.line(80, y, width - 500, y)
    c.setDash()
    c.setLineWidth(1.2)
    for _ in range(1500):  # walls
        wx, wy = rng.uniform(120, width - 560), rng.uniform(120, height - 140)
        if rng.random() < 0.5:
            c.line(wx, wy, wx + rng.uniform(20, 240), wy)
        else:
            c.line(wx, wy, wx, wy + rng.uniform(20, 240))
    c.setLineWidth(0.4)
    c.setFont("Helvetica", 8)
    for k in range(700):  # room tags, notes and dimensions in 8-pt type
        tx, ty = rng.uniform(120, width - 600), rng.uniform(120, height - 140)
        c.drawString(tx, ty, f"ROOM {100 + k}  {rng.randint(8, 40)}'-{rng.randint(0, 11)}\"")
    if revision == "B":
        c.setLineWidth(1.2)
        c.line(900, 700, 1300, 700)
        c.drawString(1400, 900, "NOTE: PROVIDE 2-HR RATED WALL AT STAIR 2")
        c.drawString(600, 1200, "14'-6\"")
        c.bezier(1800, 400, 1850, 480, 1950, 480, 2000, 400)
    else:
        c.drawString(600, 1200, "12'-6\"")
    c.setFont("Helvetica-Bold", 24)
    c.drawString(width - 420, 120, "A-201")
    c.setFont("Helvetica", 12)
    c.drawString(width - 420, 160, "THIRD FLOOR PLAN")
    c.drawString(width - 420, 90, f"REV {revision}")
    c.showPage()
    c.save()
    return out.getvalue()


def _revisions(project: Any, user: Any, sheets: list[tuple[str, bytes, str]]) -> list[Any]:
    """Upload (name, bytes, revision) as revisions of one drawing, publish and render them."""
    from sheetflow.drawings.models import Area, Revision
    from sheetflow.drawings.services import (
        revision_render,
        revisions_publish,
        upload_confirm,
        upload_create,
    )
    from sheetflow.testing.drawings import as_upload

    area = Area.objects.filter(project=project).first()
    if area is None:
        raise RuntimeError("the project has no area")
    made = []
    for day, (name, data, number) in enumerate(sheets, start=1):
        upload = upload_create(
            project=project,
            user=user,
            files=[as_upload(data, name)],
            area=area,
            drawing_set=None,
            drawing_date=dt.date(2026, 1, day),
            received_date=dt.date(2026, 1, day),
            revision_number=number,
        )
        made.extend(upload_confirm(upload=upload, user=user))
    revisions_publish(user=user, revisions=made)
    for revision in made:
        revision_render(revision_id=revision.pk)
    return [Revision.objects.get(pk=r.pk) for r in made]


def _server() -> Any:
    """The site on a local port in a thread, sharing this process's database connection."""
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    shared: dict[str, BaseDatabaseWrapper] = {
        conn.alias: conn
        for conn in connections.all()
        if isinstance(conn, SQLite) and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, shared, 0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def _paint_times(browser: Any, site: str, cookie: str, url: str) -> tuple[list[float], list[float]]:
    """(PNG shown, vector drawn) in ms from navigation start, one fresh page per run."""
    png, vector = [], []
    for _ in range(RUNS):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": site}])
        page = context.new_page()
        page.goto(site + url)
        page.wait_for_selector("#viewer.vw-ready", state="attached", timeout=120_000)
        vector.append(float(page.evaluate("document.getElementById('viewer').dataset.firstPaint")))
        png.append(
            float(
                page.evaluate(
                    "(() => { const e = performance.getEntriesByType('resource')"
                    ".find(r => r.name.endsWith('/image/')); return e ? e.responseEnd : 0; })()"
                )
            )
        )
        context.close()
    return png, vector


@section("viewer", "viewer first paint in Chromium (target < 1 s), compare per pair (< 3 s)")
def viewer(options: Options) -> None:
    from pathlib import Path

    from django.test import Client
    from django.test.utils import override_settings
    from playwright.sync_api import sync_playwright

    from sheetflow.drawings.models import SheetComparison
    from sheetflow.drawings.services.comparing import comparison_compute, comparison_request
    from sheetflow.testing.cast import build_cast

    cast = build_cast()
    project, user = cast.gc_project, cast.gc_pm
    arch = _revisions(
        project, user, [("A-201.pdf", arch_sheet("A"), "A"), ("A-201.pdf", arch_sheet("B"), "B")]
    )
    real = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"
    a010 = _revisions(
        project,
        user,
        [
            (name, (real / name).read_bytes(), number)
            for name, number in (
                ("A010 site plan 2019-07-11.pdf", "1"),
                ("A010 site plan 2019-08-08.pdf", "2"),
            )
        ],
    )

    for label, pair in (("36x24 in sheet (A-201, generated)", arch), ("A010 (real, 34x22)", a010)):
        seconds, cpu = [], []
        for _ in range(3):
            SheetComparison.objects.all().delete()
            comparison = comparison_request(revision_a=pair[0], revision_b=pair[1])
            started, started_cpu = time.perf_counter(), time.process_time()
            comparison_compute(comparison_id=comparison.pk)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        comparison.refresh_from_db()
        # CPU seconds too: on a shared machine the wall time includes waiting for a core.
        line(
            f"compare {label}",
            f"p50 {median(seconds):5.2f} s (CPU {median(cpu):4.2f} s)   "
            f"target < {COMPARE_TARGET_S:.0f} s   ({len(comparison.regions)} areas)",
        )

    client = Client()
    client.force_login(cast.gc_reader)
    cookie = client.cookies["sessionid"].value
    # Static files from the source folders, as in development (no collectstatic here).
    finders = override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
    finders.enable()
    server = _server()
    site = f"http://127.0.0.1:{server.port}"
    base = f"/projects/{project.pk}/drawings/revisions"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            for label, revision in (("36x24 in sheet", arch[1]), ("A010, 179k paths", a010[1])):
                png, vector = _paint_times(browser, site, cookie, f"{base}/{revision.pk}/view/")
                line(
                    f"viewer {label}: PNG shown",
                    f"p50 {median(png):6.0f} ms   target < {PAINT_TARGET_MS} ms",
                )
                line(
                    f"viewer {label}: vector drawn (pdf.js)",
                    f"p50 {median(vector):6.0f} ms   target < {PAINT_TARGET_MS} ms",
                )
            browser.close()
    finally:
        server.terminate()
        finders.disable()
