"""Worker liveness: heartbeats, and the reaper that re-queues tasks a dead worker left RUNNING.

django-tasks-db marks a task RUNNING when a worker claims it and nothing ever looks at it
again: a worker killed mid-task (OOM killer, deploy, SIGKILL) leaves it RUNNING for good, so
a sheet never gets its thumbnail and an email is never sent. Each worker renews a heartbeat
row; a periodic job in every worker puts RUNNING tasks whose worker has stopped beating back
to READY. Tasks are written to be safe to run twice (they check their own rows first), so a
re-run after a false alarm (a worker stalled longer than the timeout) is harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.common.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A task whose workers died this many times is probably what kills them: it fails instead.
MAX_CLAIMS = 10


def beat(worker_id: str) -> None:
    """Record that this worker is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": timezone.now(), "pid": os.getpid(), "host": socket.gethostname()},
    )


def start_heartbeat(worker_id: str, stop: threading.Event) -> threading.Thread:
    """Beat now, then every WORKER_HEARTBEAT_SECONDS in a daemon thread until ``stop``."""
    beat(worker_id)

    def loop() -> None:
        while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                beat(worker_id)
            except Exception:  # a database blip must not end the heartbeat for good
                logger.exception("Worker heartbeat failed")
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
        close_old_connections()

    thread = threading.Thread(target=loop, name="sheetflow-heartbeat", daemon=True)
    thread.start()
    return thread


def requeue_abandoned() -> int:
    """Put RUNNING tasks of workers that stopped beating back to READY; returns how many."""
    now = timezone.now()
    dead_after = timedelta(seconds=settings.WORKER_DEAD_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=now - dead_after).values_list(
            "worker_id", flat=True
        )
    )
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - dead_after
    ).values_list("id", "worker_ids", "task_path")
    requeued = 0
    for task_id, worker_ids, path in running:
        if worker_ids and worker_ids[-1] in alive:
            continue
        # Compare-and-set: a worker finishing it right now wins.
        claimed = DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING)
        if len(worker_ids) >= MAX_CLAIMS:
            claimed.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="sheetflow.common.workers.AbandonedTask",
                traceback=f"Its worker died {len(worker_ids)} times while running it.",
            )
            logger.error("Task %s (%s) failed: its workers kept dying", task_id, path)
            continue
        if claimed.update(status=TaskResultStatus.READY, started_at=None):
            requeued += 1
            logger.warning("Re-queued task %s (%s) left running by a dead worker", task_id, path)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    return requeued
