"""Start real `sheetflow worker` processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


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
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    env["SHEETFLOW_TESTING"] = "1"
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # this test's files
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def start_worker(**extra: str) -> subprocess.Popen[bytes]:
    """A `sheetflow worker` process polling every 50 ms; the caller stops or kills it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", "worker", "--interval", "0.05"],
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
