"""Real `sheetflow worker` processes against the test database (tests and the bench)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection

# The folder holding the sheetflow package (the checkout, or site-packages when installed).
ROOT = Path(__file__).resolve().parent.parent.parent

# Workers under chaos: small renderings, windows of a few dozen changes (a copy takes many
# transactions, so kills land inside it) and a render retry soon after a killed worker drops one.
WORKER_ENV = {
    "DRAWINGS_THUMBNAIL_WIDTH": "100",
    "DRAWINGS_IMAGE_WIDTH": "200",
    "DRAWINGS_RENDER_RETRY_SECONDS": "5",
    "SYNC_INITIAL_WINDOW": "40",
}


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker process that uses this test run's database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    # The test's own media folder, so workers read the sheets the test uploaded.
    env["SHEETFLOW_TESTING"] = "1"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # this test's files
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def start_worker(*options: str, **extra: str) -> subprocess.Popen[bytes]:
    """A `sheetflow worker` process polling every 50 ms; the caller stops or kills it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", "worker", "--interval", "0.05", *options],
        cwd=ROOT,
        env=worker_env(**extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Workers:
    """Worker processes, one of them SIGKILLed and replaced now and then."""

    def __init__(self, count: int, env: dict[str, str]) -> None:
        self.env = env
        self.processes = [start_worker(**env) for _ in range(count)]
        self.lock = threading.Lock()

    def kill_one(self, rng: random.Random) -> None:
        with self.lock:
            i = rng.randrange(len(self.processes))
            victim = self.processes[i]
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            self.processes[i] = start_worker(**self.env)

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)


def wait_until(
    predicate: Callable[[], bool],
    timeout: float = 90.0,
    every: float = 0.02,
    *,
    reconnect: bool = False,
) -> bool:
    """Look every ``every`` seconds until ``predicate()`` holds or ``timeout`` passes.

    ``reconnect`` drops the database connections the server has closed before each look
    (for tests that kill sessions or workers holding them).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reconnect:
            close_old_connections()
        if predicate():
            return True
        time.sleep(every)
    return predicate()
