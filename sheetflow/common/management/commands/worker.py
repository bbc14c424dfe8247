"""`sheetflow worker`: the task worker plus the periodic jobs (the sync sweep)."""

from __future__ import annotations

import threading
from argparse import ArgumentParser
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from sheetflow.common import periodic


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
        stop = threading.Event()
        if not no_periodic and not batch:
            periodic.start_thread(stop)
        worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
