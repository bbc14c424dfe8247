"""`sheetflow serve` keeps serving when its task worker dies, and brings the worker back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import close_old_connections

from sheetflow.common.models import WorkerHeartbeat
from tests.worker_processes import ROOT, stop, worker_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def live_worker_pids() -> set[int]:
    close_old_connections()
    return set(WorkerHeartbeat.objects.values_list("pid", flat=True))


def wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_restarted_while_pages_keep_answering(tmp_path: Path) -> None:
    port = free_port()
    login = f"http://127.0.0.1:{port}/accounts/sign-in/"
    env = worker_env(DATA_DIR=str(tmp_path), WORKER_HEARTBEAT_SECONDS="1")
    serve = subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", "serve", "--no-migrate", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: status_of(login) == 200, timeout=60)
        assert wait_for(live_worker_pids, timeout=60)
        [first] = live_worker_pids()
        os.kill(first, signal.SIGKILL)
        answers = []
        # Liveness bounds, not benchmarks: the worker is back within seconds.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not live_worker_pids() - {first}:
            answers.append(status_of(login))
            time.sleep(0.1)
        assert live_worker_pids() - {first}, "the worker was not restarted"
        assert answers and set(answers) == {200}
        assert serve.poll() is None
    finally:
        stop(serve)
    _, errors = serve.communicate(timeout=10)
    assert b"exited with -9; restarting" in errors
    assert b"Task worker restarted" in errors
