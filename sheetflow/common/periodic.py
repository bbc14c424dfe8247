"""Jobs the worker runs on a fixed interval (django-tasks has no scheduler of its own).

Apps register a callable at import time of their `tasks` module; the worker calls each
one every `seconds`. The callables should only enqueue tasks or do cheap checks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

logger = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    seconds: float
    func: Callable[[], object]
    last_run: float = 0.0


JOBS: dict[str, PeriodicJob] = {}


def every(seconds: float) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Decorator: run this function in the worker every `seconds`."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        name = f"{func.__module__}.{func.__qualname__}"
        JOBS[name] = PeriodicJob(name=name, seconds=seconds, func=func)
        return func

    return register


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose interval has passed; returns the names run."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in JOBS.values():
        if now - job.last_run >= job.seconds:
            job.last_run = now
            try:
                job.func()
            except Exception:  # a failing job must not stop the others or the worker
                logger.exception("Periodic job %s failed", job.name)
            ran.append(job.name)
    return ran


def start_thread(stop: threading.Event, tick: float = 1.0) -> threading.Thread:
    """Run due jobs in a daemon thread until `stop` is set."""

    def loop() -> None:
        while not stop.wait(tick):
            close_old_connections()
            run_due()
        close_old_connections()

    thread = threading.Thread(target=loop, name="sheetflow-periodic", daemon=True)
    thread.start()
    return thread
