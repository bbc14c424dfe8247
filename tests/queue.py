"""Run queued tasks in the test's own process, as the worker does."""

from __future__ import annotations

from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks(*, allow_failures: bool = False, limit: int = 10_000) -> int:
    """Run ready tasks until none is left; returns how many ran.

    (The worker command itself closes database connections between tasks, which would close
    the test's own connection, so tests drive its task runner directly.) A failed task fails
    the test unless ``allow_failures``.
    """
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            result = DBTaskResult.objects.ready().get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
        result.refresh_from_db()
        if result.status == TaskResultStatus.FAILED and not allow_failures:
            raise AssertionError(f"Task {result.task_path} failed:\n{result.traceback}")
    raise AssertionError(f"Tasks still queued after {limit} runs (a task loop?)")
