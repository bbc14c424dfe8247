"""Shared by the drawing services: stamping rows with the project's change sequence."""

from __future__ import annotations

from collections.abc import Sequence

from sheetflow.drawings import sequence
from sheetflow.drawings.models import Syncable
from sheetflow.drawings.signals import notify_changed


def stamp(project_id: int, *rows: Syncable) -> None:
    """Give rows fresh ``change_seq`` numbers (in this transaction) and announce the change.

    The caller saves the rows afterwards, in the same transaction.
    """
    if not rows:
        return
    first = sequence.reserve(project_id, len(rows))
    for offset, row in enumerate(rows):
        row.change_seq = first + offset
    notify_changed(project_id)


def stamp_all(project_id: int, rows: Sequence[Syncable]) -> None:
    stamp(project_id, *rows)
