"""PDF safety: worker memory and seconds on normal and hostile sheets, sync latency meanwhile."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from bench import Options, line, section, timings
from bench.sync import _company, _downstream_of, _publish_and_wait

MB = 1024 * 1024


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the RSS of a process and all its descendants (fork server, PDF jobs)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_process = 0  # the largest single process
        self.peak_total = 0  # the whole tree at one instant
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            pids, todo = [], [self.pid]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += _children(pid)
            sizes = [_rss(p) for p in pids]
            self.peak_process = max(self.peak_process, *sizes)
            self.peak_total = max(self.peak_total, sum(sizes))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _render_all(revisions: list[Any], timeout: float = 300) -> float:
    from sheetflow.drawings.models import Revision

    ids = [r.pk for r in revisions]
    start = time.perf_counter()
    pending = Revision.objects.filter(pk__in=ids, thumbnail__isnull=True, render_failed=False)
    while pending.exists():
        if time.perf_counter() - start > timeout:
            raise RuntimeError("renderings did not finish")
        time.sleep(0.05)
    return time.perf_counter() - start


@section("pdf-safety", "worker memory and time on normal and hostile sheets; sync meanwhile")
def pdf_safety(options: Options) -> None:
    from bench import hostile
    from sheetflow.drawings.blobs import blob_put
    from sheetflow.drawings.models import Revision
    from sheetflow.testing.drawings import publish_sheets, upload_sheets
    from sheetflow.testing.workers import start_worker

    upstream = _company("Safety GC")
    publish_sheets(upstream.project, upstream.admin, 1, numbers=["S-000"])
    downstream, _ = _downstream_of(upstream, "Safety sub")
    # Sheets to publish one by one later (rendered now, with the normal ones).
    waiting = upload_sheets(upstream.project, upstream.admin, [f"W-{i:03d}" for i in range(40)])
    normal = [*waiting, *upload_sheets(upstream.project, upstream.admin, ["N-1", "N-2"])]
    worker = start_worker()
    start = time.perf_counter()
    memory = TreeMemory(worker.pid)
    try:
        _render_all(normal)
        seconds = time.perf_counter() - start
    finally:
        memory.stop()
        worker.terminate()
        worker.wait()
    line(f"normal: {len(normal)} sheets rendered (from worker start)", f"{seconds:.2f} s")
    line(
        "normal: worker peak memory",
        f"{memory.peak_process / MB:.0f} MB per process, {memory.peak_total / MB:.0f} MB "
        "worker + PDF jobs together",
    )

    # Hostile sheets: each revision's sheet is swapped for a hostile file (uploads refuse the
    # worst of them, so this is what a file that slipped through would cost the worker).
    corpus = hostile.corpus()
    files = [*corpus.values(), corpus["bomb-8-pages.pdf"], corpus["bomb.pdf"]]
    bad = upload_sheets(upstream.project, upstream.admin, [f"H-{i:03d}" for i in range(len(files))])
    for revision, data in zip(bad, files, strict=True):
        Revision.objects.filter(pk=revision.pk).update(sheet=blob_put(data, "application/pdf"))
    worker = start_worker()
    start = time.perf_counter()
    memory = TreeMemory(worker.pid)
    samples: list[float] = []
    try:
        time.sleep(2)  # the worker starts and takes the first hostile sheet
        pending = Revision.objects.filter(
            pk__in=[r.pk for r in bad], thumbnail__isnull=True, render_failed=False
        )
        for revision in waiting:
            if not pending.exists():
                break
            samples.append(_publish_and_wait(upstream, revision, [downstream]))
        _render_all(bad)
        seconds = time.perf_counter() - start
    finally:
        memory.stop()
        worker.terminate()
        worker.wait()
    failed = Revision.objects.filter(pk__in=[r.pk for r in bad], render_failed=True).count()
    line(
        f"hostile: {len(files)} sheets, {failed} over budget (from worker start)",
        f"{seconds:.2f} s",
    )
    line(
        "hostile: worker peak memory",
        f"{memory.peak_process / MB:.0f} MB per process, {memory.peak_total / MB:.0f} MB "
        "worker + PDF jobs together",
    )
    line("hostile: sync latency of another tenant meanwhile", timings(samples))
