"""Every PDF operation runs within a budget: hostile files are refused or rendered, never hang."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bench import hostile
from sheetflow.drawings import pdf, pdfjobs
from sheetflow.drawings.models import Revision, Upload
from tests.cast import Cast
from tests.drawings.factories import sheet_pdf
from tests.drawings.test_api import upload
from tests.drawings.test_bad_input_api import assert_nothing_left

MB = 1024 * 1024


def peak_rss_reset() -> None:
    """Restart this process's peak-RSS count (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def tight_budget(settings: Any) -> None:
    # CPU seconds are the real bound; wall-clock time leaves room for a loaded CI machine.
    settings.PDF_JOB_SECONDS = 15
    settings.PDF_JOB_CPU_SECONDS = 6
    settings.PDF_JOB_MEMORY_MB = 400
    settings.PDF_MAX_PIXELS = 4_000_000


def test_every_hostile_file_is_refused_or_rendered_within_the_budget(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int], tight_budget: None
) -> None:
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    corpus = hostile.corpus()
    outcomes = {}
    peak_rss_reset()
    before = peak_rss()
    pdfjobs.STATS.peak_rss_bytes = 0
    for name, data in corpus.items():
        started = time.monotonic()
        response = upload(api, pid, [SimpleUploadedFile(name, data)], confirm="true")
        # A liveness bound (the wall-clock budget plus slack), not a benchmark.
        assert time.monotonic() - started < 40, name
        outcomes[name] = "ok" if response.status_code == 200 else response.json()["code"]
    assert outcomes == {
        "tall-100pt.pdf": "ok",
        "tall-250pt.pdf": "ok",
        "tall-500pt.pdf": "ok",
        "tall-1000pt.pdf": "ok",
        "square-14400pt.pdf": "ok",
        "bomb.pdf": "pdf_too_complex",
        "bomb-8-pages.pdf": "pdf_too_complex",
        "deep-tree.pdf": "corrupt_pdf",
        "3000-pages.pdf": "too_many_pages",
        "huge-image.pdf": "ok",
    }
    # The worker renders the accepted ones (bounded by pixels), then goes on to a normal sheet.
    upload(api, pid, [SimpleUploadedFile("A-900.pdf", sheet_pdf(["A-900"]))], confirm="true")
    drain_tasks()
    revisions = list(Revision.objects.select_related("drawing"))
    assert len(revisions) == 7
    # Each one rendered, or (over budget) marked as not renderable: none left waiting.
    assert all(bool(r.thumbnail_id and r.image_id) != r.render_failed for r in revisions)
    [normal] = [r for r in revisions if r.drawing.number == "A-900"]
    assert normal.thumbnail_id and not normal.render_failed
    assert not Upload.objects.exists()
    # PDF jobs that finished stayed under 500 MB (the ones killed were held under the
    # address-space limit), and this process (the web side) never held a file in memory.
    assert pdfjobs.STATS.peak_rss_bytes < 500 * MB
    assert peak_rss() - before < 150 * MB


def test_a_rendering_is_bounded_by_pixels_whatever_the_aspect_ratio(tight_budget: None) -> None:
    for width in (100, 250, 500):
        data = hostile.tall_narrow(width)
        thumb, image = pdfjobs.render_pngs(data, (400, 2000))
        for png, asked in ((thumb, 400), (image, 2000)):
            with Image.open(io.BytesIO(png)) as im:
                assert im.width * im.height <= 4_000_000
                assert im.width <= asked
                # Same shape as the page: a tall page is drawn smaller, not cropped.
                assert abs(im.height / im.width - 14400 / width) < 0.05 * 14400 / width
    assert pdf.render_scale(612, 792, 400, 4_000_000) == pytest.approx(400 / 612)


def test_a_job_over_its_wall_clock_budget_is_killed() -> None:
    budget = pdfjobs.Budget(seconds=1, cpu_seconds=30, memory_bytes=400 * MB)
    started = time.monotonic()
    with pytest.raises(pdfjobs.PdfTooComplex):
        pdfjobs.run(time.sleep, 60, budget=budget)
    assert time.monotonic() - started < 20


def test_a_job_over_its_cpu_or_memory_budget_is_stopped() -> None:
    cpu = pdfjobs.Budget(seconds=60, cpu_seconds=1, memory_bytes=400 * MB)
    with pytest.raises(pdfjobs.PdfTooComplex):
        pdfjobs.run(sum, range(10**12), budget=cpu)
    memory = pdfjobs.Budget(seconds=60, cpu_seconds=30, memory_bytes=200 * MB)
    with pytest.raises(pdfjobs.PdfTooComplex):
        pdfjobs.run(bytearray, 400 * MB, budget=memory)
    assert pdfjobs.run(len, b"abc", budget=memory) == 3


def test_a_refusal_inside_a_job_keeps_its_code(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"hello")
    with pytest.raises(Exception) as caught:
        pdfjobs.split_files([("x.pdf", str(path))], str(tmp_path))
    assert getattr(caught.value, "code", None) == "not_pdf"


def test_two_threads_splitting_and_rendering_at_once_do_not_crash(tmp_path: Path) -> None:
    data = sheet_pdf(["A-101", "A-102", "A-103"])
    source = tmp_path / "set.pdf"
    source.write_bytes(data)
    results: list[object] = []

    def split(n: int) -> None:
        for _ in range(n):
            out = tmp_path / f"out-{threading.get_ident()}"
            out.mkdir(exist_ok=True)
            sheets = pdfjobs.split_files([("set.pdf", str(source))], str(out))
            results.append([s.number for s in sheets])

    def render(n: int) -> None:
        for _ in range(n):
            results.append(len(pdfjobs.render_pngs(data, (200,))[0]) > 0)

    threads = [threading.Thread(target=f, args=(4,)) for f in (split, render, split)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(["A-101", "A-102", "A-103"]) == 8
    assert results.count(True) == 4


def test_pages_too_large_once_separated_are_refused(tmp_path: Path, settings: Any) -> None:
    source = tmp_path / "set.pdf"
    source.write_bytes(hostile.bomb(pages=3, inflated_mb=1))
    settings.UPLOAD_MAX_REQUEST_BYTES = source.stat().st_size
    with pytest.raises(pdfjobs.PdfTooComplex):
        pdfjobs.split_files([("set.pdf", str(source))], str(tmp_path))


def test_a_file_over_budget_at_upload_leaves_nothing_behind(
    cast: Cast, api_as: Callable[..., Any], tight_budget: None
) -> None:
    good = SimpleUploadedFile("good.pdf", sheet_pdf(["A-101"]))
    bomb = SimpleUploadedFile("bomb.pdf", hostile.bomb(pages=8))
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, [good, bomb], new_set_name="IFC")
    assert response.status_code == 422
    assert response.json()["code"] == "pdf_too_complex"
    assert "too complex" in response.json()["detail"]
    assert_nothing_left()
