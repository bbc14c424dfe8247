"""Every PDF operation runs here: in a child process, within a budget of memory, CPU and time.

A PDF is a program: a tiny file can inflate to gigabytes, nest its page tree until the parser
overflows its stack, or ask for a bitmap of billions of pixels; and pdfium is not thread-safe.
So pdfium never runs in a web or worker process itself. Each job is a fresh process made by a
fork server (a small single-threaded process that imported pypdfium2 once), limited with
``setrlimit`` (address space and CPU seconds) and watched with a wall-clock timeout; a job over
budget is killed and reported as ``PdfTooComplex``. One job is one single-threaded process,
which is also what keeps pdfium on one thread per process, whatever threads the caller has.

Why a fork per job rather than a pool of recycled processes: measured on the CI machine, a
fork-server child costs ~25 ms to start (a spawned interpreter ~90 ms, a plain fork of a
threaded web process is unsafe), which is small next to a split or a rendering, and a fresh
process per job means no state, leak or half-freed heap carries from one tenant's file into
the next, and killing a job never kills anyone else's.
"""

from __future__ import annotations

import ctypes
import io
import logging
import multiprocessing
import multiprocessing.context
import os
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import set_spawning_popen
from pathlib import Path
from typing import Any, TypeVar, cast

from django.conf import settings

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import recognition

# ``pdf`` (pypdfium2) is imported inside the job functions only: they run in the children,
# so neither a web nor a worker process loads pdfium itself.

logger = logging.getLogger(__name__)
T = TypeVar("T")

_MB = 1024 * 1024


class PdfTooComplex(ServiceError):
    """The file needs more memory, CPU or time than a PDF operation may use."""

    status = 422
    code = "pdf_too_complex"


@dataclass(frozen=True)
class Budget:
    """Limits of one PDF job."""

    seconds: float
    cpu_seconds: int
    memory_bytes: int


def default_budget() -> Budget:
    return Budget(
        seconds=float(settings.PDF_JOB_SECONDS),
        cpu_seconds=int(settings.PDF_JOB_CPU_SECONDS),
        memory_bytes=int(settings.PDF_JOB_MEMORY_MB) * _MB,
    )


@dataclass
class Stats:
    """What the jobs of this process used (for the benchmark and the tests)."""

    jobs: int = 0
    over_budget: int = 0
    peak_rss_bytes: int = 0


STATS = Stats()
_stats_lock = threading.Lock()
_context_lock = threading.Lock()
_context: Any = None


def _ctx() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            # Imported once in the fork server, so each job starts with pdfium loaded.
            ctx.set_forkserver_preload(
                ["sheetflow.drawings.pdfjobs", "sheetflow.drawings.pdf", "PIL.Image"]
            )
            _context = ctx
        return _context


class _Popen(popen_forkserver.Popen):
    """The fork server's launcher, minus re-running the caller's main module in each job.

    multiprocessing re-imports ``__main__`` (gunicorn, the worker command, pytest) in every
    child, which measured ~0.7 s per job; the jobs only need the modules they name.
    """

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        # multiprocessing's own launch steps, absent from typeshed (private in the stdlib).
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(
            self,
            util.close_fds,  # type: ignore[attr-defined]  # private in the stdlib, as above
            (_parent_w, self.sentinel),
        )
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _JobProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _Popen(process_obj)


def _die_with_parent() -> None:
    """Ask Linux to kill this job when its parent (the fork server) goes, e.g. on SIGKILL."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the CPU limit still ends an orphan
        pass


def _child(
    conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], budget: Budget
) -> None:
    _die_with_parent()
    # Below web requests and sync in the CPU scheduler: a heavy file waits, not other tenants.
    os.nice(10)
    resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))
    cpu = max(1, budget.cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        message: tuple[str, Any] = ("ok", func(*args))
    except ServiceError as exc:
        message = ("refused", (exc.detail, exc.code, exc.status))
    except MemoryError:
        message = ("over", "memory")
    except RecursionError:
        message = ("over", "recursion")
    except Exception as exc:  # reported to the caller, who logs it with its context
        message = ("error", f"{type(exc).__name__}: {exc}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        try:
            conn.send((*message, peak))
        except MemoryError:
            conn.send(("over", "memory", peak))
    except OSError:
        pass  # the caller is gone (killed, or gave up on the time budget): nobody to tell
    conn.close()


class PdfJobError(Exception):
    """A PDF job failed for a reason other than its budget or a refusal (a bug, a broken file)."""


def run(
    func: Callable[..., T], *args: Any, budget: Budget | None = None, name: str = "the file"
) -> T:
    """Run ``func(*args)`` in a child process within ``budget``; return its result.

    ``func`` and its arguments and result must be picklable (module-level functions, plain
    data, file paths). Raises ``PdfTooComplex`` when the job goes over budget, the
    ``ServiceError`` the job raised (a refused file), or ``PdfJobError``.
    """
    budget = budget or default_budget()
    ctx = _ctx()
    reader, writer = ctx.Pipe(duplex=False)
    process = _JobProcess(target=_child, args=(writer, func, args, budget), daemon=True)
    started = time.monotonic()
    process.start()
    writer.close()
    reply: tuple[Any, ...] | None = None
    try:
        if reader.poll(budget.seconds):
            try:
                reply = reader.recv()
            except (EOFError, OSError):
                reply = None
    finally:
        reader.close()
        if process.is_alive() and reply is None:
            process.kill()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        process.close()
    elapsed = time.monotonic() - started
    with _stats_lock:
        STATS.jobs += 1
        if reply is not None:
            STATS.peak_rss_bytes = max(STATS.peak_rss_bytes, int(reply[-1]))
        if reply is None or reply[0] == "over":
            STATS.over_budget += 1
    if reply is None or reply[0] == "over":
        why = "timed out" if elapsed >= budget.seconds else (reply[1] if reply else "was killed")
        logger.warning("PDF job %s on %s over budget (%s)", func.__name__, name, why)
        raise PdfTooComplex(
            f"{name}: this PDF is too complex to process (it needs more than "
            f"{budget.memory_bytes // _MB} MB of memory or {budget.seconds:g} seconds).",
        )
    status, payload = reply[0], reply[1]
    if status == "refused":
        detail, code, http_status = payload
        error = (
            PdfTooComplex(detail) if code == PdfTooComplex.code else ServiceError(detail, code=code)
        )
        error.status = http_status
        raise error
    if status == "error":
        raise PdfJobError(f"{name}: {payload}")
    return cast(T, payload)  # what func returned, pickled back by the child


# --- The jobs (run in the child; they call the pure functions of pdf.py) -------------------


@dataclass(frozen=True)
class SplitSheet:
    """One sheet written by a split job: its file and what its title block says."""

    path: str
    number: str
    title: str
    source_name: str
    evidence: dict[str, Any]


def _split_files(
    files: list[tuple[str, str]],
    max_pages: int,
    max_output: int,
    outdir: str,
    layout: recognition.Layout | None,
) -> list[SplitSheet]:
    from sheetflow.drawings import pdf

    documents = [(name, pdf.open_pdf(Path(path), name)) for name, path in files]
    try:
        pages = sum(len(doc) for _, doc in documents)
        if pages > max_pages:
            raise ServiceError(
                f"This upload has {pages} pages; at most {max_pages} at a time.",
                code="too_many_pages",
            )
        out: list[SplitSheet] = []
        written = 0
        for name, doc in documents:
            for sheet in pdf.split(doc, name, layout=layout):
                # Pages sharing one large resource each get a copy of it: bound the total.
                written += len(sheet.data)
                if written > max_output:
                    raise PdfTooComplex(f"{name}: its pages are too large once separated.")
                path = os.path.join(outdir, f"{len(out)}.pdf")
                with open(path, "wb") as f:
                    f.write(sheet.data)
                out.append(
                    SplitSheet(path, sheet.number, sheet.title, sheet.source_name, sheet.evidence)
                )
        return out
    finally:
        for _, doc in documents:
            doc.close()


def split_files(
    files: list[tuple[str, str]], outdir: str, *, layout: recognition.Layout | None = None
) -> list[SplitSheet]:
    """Check and split (name, path) PDFs into one-page sheet files written to ``outdir``.

    Number and title are recognised in the same job, with what ``layout`` teaches.
    """
    return run(
        _split_files,
        files,
        int(settings.UPLOAD_MAX_PAGES),
        2 * int(settings.UPLOAD_MAX_REQUEST_BYTES),
        outdir,
        layout,
        name=files[0][0] if len(files) == 1 else "this upload",
    )


def _render(data: bytes, widths: tuple[int, ...], max_pixels: int) -> list[bytes]:
    from sheetflow.drawings import pdf

    return [pdf.render_png(data, width, max_pixels=max_pixels) for width in widths]


def render_pngs(data: bytes, widths: tuple[int, ...], *, name: str = "the sheet") -> list[bytes]:
    """PNG renderings of a one-page PDF's first page at each width (within the pixel budget)."""
    return run(_render, data, widths, int(settings.PDF_MAX_PIXELS), name=name)


def _review_images(
    data: bytes,
    page_width_px: int,
    region: tuple[float, float, float, float],
    dpi: float,
    max_pixels: int,
) -> Any:
    from sheetflow.drawings import pdf

    return pdf.review_images(data, page_width_px, region, dpi, max_pixels=max_pixels)


def review_images(
    data: bytes, page_width_px: int, region: tuple[float, float, float, float], dpi: float
) -> Any:
    """The upload review's renderings of a sheet (``pdf.ReviewImages``), within the budget."""
    return run(
        _review_images,
        data,
        page_width_px,
        region,
        dpi,
        int(settings.PDF_MAX_PIXELS),
        name="the sheet",
    )


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    """A private folder for a job's files, removed when the caller is done."""
    return tempfile.TemporaryDirectory(prefix="sheetflow-pdf-", dir=settings.FILE_UPLOAD_TEMP_DIR)
