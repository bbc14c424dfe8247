"""Worker processes against the test database live in the package (the bench starts them too)."""

from sheetflow.testing.workers import ROOT, start_worker, stop, worker_env

__all__ = ["ROOT", "start_worker", "stop", "worker_env"]
