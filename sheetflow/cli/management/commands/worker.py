"""`sheetflow worker`: the task workers (sync apart from the rest), heartbeat, periodic jobs."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from sheetflow.common import periodic, workers
from sheetflow.common.tasks_wake import ListeningWorker

logger = logging.getLogger(__name__)

SYNC_QUEUE = "sync"


def _worker(
    worker_id: str, interval: float, batch: bool, queues: list[str], exclude: list[str]
) -> ListeningWorker:
    # Between polls it waits for a task's NOTIFY on PostgreSQL (tasks_wake).
    return ListeningWorker(
        queue_names=queues,
        excluded_queue_names=exclude,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    )


class Command(BaseCommand):
    help = "Run a task worker (several may run at once on PostgreSQL)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=0.1, help="Poll interval (s)")
        parser.add_argument("--no-periodic", action="store_true", help="Skip periodic jobs")
        parser.add_argument("--batch", action="store_true", help="Run queued tasks, then exit")

    def handle(self, *args: Any, interval: float, no_periodic: bool, batch: bool, **_: Any) -> None:
        # Import every app's tasks module so their tasks and periodic jobs are registered.
        for config in apps.get_app_configs():
            if config.name.startswith("sheetflow."):
                try:
                    import_module(f"{config.name}.tasks")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.tasks":
                        raise
        worker_id = get_random_string(32)
        if batch:
            _worker(worker_id, interval, True, ["*"], []).run()
            return
        stop = threading.Event()
        workers.start_heartbeat(worker_id, stop)
        if not no_periodic:
            periodic.start_thread(stop)
        # Sync tasks have a thread of their own: a long rendering or a slow SMTP server in the
        # main loop cannot hold another tenant's sync (pdfium work runs in child processes, so
        # the two threads do not compete for the interpreter either).
        sync = _worker(worker_id, interval, False, [SYNC_QUEUE], [])
        sync_thread = threading.Thread(target=self._run_sync, args=(sync, stop), daemon=True)
        sync_thread.start()
        worker = _worker(worker_id, interval, False, ["*"], [SYNC_QUEUE])
        worker.configure_signals()
        try:
            worker.run()
        finally:
            sync.running = False
            stop.set()
            sync_thread.join(10)

    @staticmethod
    def _run_sync(worker: ListeningWorker, stop: threading.Event) -> None:
        while worker.running and not stop.is_set():
            try:
                worker.run()
            except Exception:  # e.g. the database went away: keep serving sync once it is back
                logger.exception("The sync worker loop failed; restarting it")
                close_old_connections()
                stop.wait(1)
        close_old_connections()
