"""The per-project change sequence, and the one lock order every write follows.

Taking a number locks the project's counter row until the transaction commits, so inside one
project the order of ``change_seq`` is the commit order and a reader that follows it
(``change_seq > cursor``) never skips a late committer.

Lock order (every write path, in requests, tasks and the sync engine):

1. project rows (connection lifecycle checks), then the connection row (sync windows,
   lifecycle transitions);
2. the project's change counter, taken with ``hold()`` (or ``changing()``) *before* any row of
   that project is locked or written; several projects in ascending id;
3. the project's rows: areas, sets, drawings, revisions.

Because every writer that numbers rows takes the counter before any of its rows, two such
writers in one project never hold rows while waiting for each other. Tasks that only store
derived data (thumbnails, renderings, OCR results) do not take the counter at all: they lock
one row at a time and nothing waits on them in a cycle. A deadlock the database may still
report (a foreign-key check, a lock taken by code outside this order) is retried by
``sheetflow.common.retry``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from sheetflow.drawings.models import ProjectSequence

_TABLE = ProjectSequence._meta.db_table


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_seq must be taken inside transaction.atomic().")


def hold(*project_ids: int) -> None:
    """Lock the projects' counters until commit (call first in the transaction, see above)."""
    _require_atomic()
    for project_id in sorted(set(project_ids)):
        with connection.cursor() as cursor:
            # A no-op UPDATE is a row lock on PostgreSQL and the write lock on SQLite alike.
            cursor.execute(
                f"UPDATE {_TABLE} SET last_seq = last_seq WHERE project_id = %s", [project_id]
            )
            found = cursor.rowcount
        if not found:
            ensure_counter(project_id)
            hold(project_id)


@contextmanager
def changing(*project_ids: int) -> Iterator[None]:
    """A transaction that writes the projects' rows: their counters are taken first."""
    with transaction.atomic():
        hold(*project_ids)
        yield


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


def reserve_many(project_ids: list[int]) -> dict[int, int]:
    """Take the next number of each project at once; returns each project's number.

    The counters are locked in ascending project id (the lock order above) before the one
    UPDATE that takes the numbers, so two writers of overlapping sets of projects queue
    instead of deadlocking.
    """
    _require_atomic()
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    taken: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            if connection.vendor == "postgresql":
                # SQLite has one writer at a time: its write lock is the whole order.
                cursor.execute(
                    f"SELECT project_id FROM {_TABLE} WHERE project_id IN ({marks}) "
                    "ORDER BY project_id FOR UPDATE",
                    chunk,
                )
            cursor.execute(
                f"UPDATE {_TABLE} SET last_seq = last_seq + 1 WHERE project_id IN ({marks}) "
                "RETURNING project_id, last_seq",
                chunk,
            )
            taken.update({int(pk): int(seq) for pk, seq in cursor.fetchall()})
    missing = [pk for pk in ids if pk not in taken]
    for project_id in missing:  # a project without a counter yet: rare, one at a time
        taken[project_id] = next_seq(project_id)
    return taken


# Projects per statement of ``reserve_many``: well under SQLite's limit on parameters.
_CHUNK = 1000


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
