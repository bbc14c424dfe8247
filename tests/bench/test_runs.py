"""`sheetflow bench` runs several sections in one go, each in a database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_sections_that_each_build_the_cast_run_in_one_go(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SHEETFLOW_TESTING"}}
    # On SQLite in a folder of its own: the bench creates and drops a test database of the
    # configured name, which on PostgreSQL would be the one this test suite is using.
    env.update(DATA_DIR=str(tmp_path), DEBUG="1", PYTHONPATH=str(ROOT))
    sections = ["drawings-log", "drawings-upload"]
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--revisions=30", "--requests=2", *sections],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "log API, SQL queries per page" in run.stdout
    assert "100 sheets rendered" in run.stdout
