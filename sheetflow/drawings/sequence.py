"""The per-project change sequence.

Taking a number locks the project's counter row until the transaction commits, so inside one
project the order of ``change_seq`` is the commit order and a reader that follows it
(``change_seq > cursor``) never skips a late committer.
"""

from __future__ import annotations

from django.db import connection, transaction

from sheetflow.drawings.models import ProjectSequence

_TABLE = ProjectSequence._meta.db_table


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_seq must be taken inside transaction.atomic().")


def reserve(project_id: int, count: int) -> int:
    """Take ``count`` consecutive numbers for a project; returns the first of them."""
    if count < 1:
        raise ValueError("count must be at least 1")
    _require_atomic()
    with connection.cursor() as cursor:
        # One statement that both locks the row and returns the new value (PostgreSQL and
        # SQLite >= 3.35 both support RETURNING).
        cursor.execute(
            f"UPDATE {_TABLE} SET last_seq = last_seq + %s WHERE project_id = %s "
            "RETURNING last_seq",
            [count, project_id],
        )
        row = cursor.fetchone()
    if row is None:
        ensure_counter(project_id)
        return reserve(project_id, count)
    return int(row[0]) - count + 1


def next_seq(project_id: int) -> int:
    """The project's next change number (call inside ``transaction.atomic``)."""
    return reserve(project_id, 1)


def current_seq(project_id: int) -> int:
    """The last change number handed out in a project (0 if none)."""
    value = (
        ProjectSequence.objects.filter(project_id=project_id)
        .values_list("last_seq", flat=True)
        .first()
    )
    return int(value or 0)


def ensure_counter(project_id: int) -> None:
    """Create the project's counter row if it is missing."""
    ProjectSequence.objects.get_or_create(project_id=project_id)
