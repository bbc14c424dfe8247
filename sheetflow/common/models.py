"""Rows of the background machinery (no business data)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A live task worker: it renews ``beat_at`` every few seconds until it stops."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField(db_index=True)
    pid = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
