"""Periodic jobs of the background machinery itself (the worker imports this module)."""

from __future__ import annotations

from django.conf import settings

from sheetflow.common.periodic import every
from sheetflow.common.workers import requeue_abandoned


@every(float(settings.WORKER_REAPER_SECONDS))
def requeue_abandoned_tasks() -> None:
    """Tasks left RUNNING by a worker that died run again."""
    requeue_abandoned()
