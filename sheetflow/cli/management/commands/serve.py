"""`sheetflow serve`: migrate, collect static files, then gunicorn plus supervised workers."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

logger = logging.getLogger("sheetflow.serve")


class Command(BaseCommand):
    help = "Serve the web app and API with gunicorn, with a task worker process beside it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--workers", type=int, default=1, help="Task worker processes")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        web_workers: int,
        workers: int,
        no_migrate: bool,
        **_: Any,
    ) -> None:
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        python = sys.executable
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "sheetflow.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ]
        )
        supervised = [Supervised([python, "-m", "sheetflow.cli", "worker"]) for _ in range(workers)]
        self.stdout.write(f"Sheetflow is serving at http://{host}:{port} (Ctrl+C stops it)")

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            # A dying task worker is restarted (with backoff) while the web server goes on
            # serving; if the web server itself dies, everything stops (a supervisor above us,
            # systemd or the container runtime, restarts the lot).
            while not stopping and web.poll() is None:
                for worker in supervised:
                    worker.check()
                time.sleep(0.5)
        finally:
            children = [w.process for w in supervised if w.process is not None] + [web]
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


class Supervised:
    """A child process restarted when it exits, after a delay that doubles while it keeps dying."""

    MIN_DELAY = 0.5
    MAX_DELAY = 30.0
    # Having run this long, a worker counts as healthy again: the next restart is quick.
    HEALTHY_AFTER = 60.0

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.delay = self.MIN_DELAY
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.restart_at: float | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started = time.monotonic()
        self.restart_at = None

    def check(self) -> None:
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
                assert self.process is not None
                logger.warning("Task worker restarted (pid %s)", self.process.pid)
            return
        assert self.process is not None
        code = self.process.poll()
        if code is None:
            return
        if now - self.started >= self.HEALTHY_AFTER:
            self.delay = self.MIN_DELAY
        logger.error(
            "Task worker (pid %s) exited with %s; restarting in %.1f s",
            self.process.pid,
            code,
            self.delay,
        )
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, self.MAX_DELAY)
