"""`sheetflow serve`: migrate, collect static files, then gunicorn plus a worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


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
        children = [
            subprocess.Popen([python, "-m", "sheetflow.cli", "worker"]) for _ in range(workers)
        ]
        children.append(
            subprocess.Popen(
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
        )
        self.stdout.write(f"Sheetflow is serving at http://{host}:{port} (Ctrl+C stops it)")

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            # If one child dies, stop the others: a web server without its worker is broken.
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
