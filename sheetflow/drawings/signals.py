"""Signals other apps listen to (drawings never imports them)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# Sent after commit with ``project_id`` when areas, sets, drawings or revisions changed.
drawings_changed = Signal()


class _Send:
    """An on-commit callback tagged with its project, so one transaction sends once."""

    def __init__(self, project_id: int) -> None:
        self.project_id = project_id

    def __call__(self) -> None:
        drawings_changed.send(sender=None, project_id=self.project_id)


def notify_changed(project_id: int) -> None:
    """Send ``drawings_changed`` for a project once the current transaction commits."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        # Django drops callbacks of rolled-back blocks from this list itself.
        for _sids, func, *_rest in conn.run_on_commit:
            if isinstance(func, _Send) and func.project_id == project_id:
                return
    transaction.on_commit(_Send(project_id))
