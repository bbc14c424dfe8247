"""Run a transaction again when the database chose it as a deadlock victim.

The lock order in ``sheetflow.drawings.sequence`` keeps our own writers out of lock cycles,
but the database may still break a cycle with code outside that order (a foreign-key check,
an operator's statement) by aborting one transaction. That transaction did nothing, so
running it again from the start is safe: requests and tasks re-read their rows by id.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

ATTEMPTS = 5
# deadlock_detected and serialization_failure: the transaction was rolled back as a whole.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})

P = ParamSpec("P")
T = TypeVar("T")


def is_deadlock(exc: BaseException) -> bool:
    """Was this error the database aborting our transaction to break a lock cycle?"""
    cause = exc.__cause__ if isinstance(exc, OperationalError) else None
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_deadlocks(func: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Call ``func``; if it is a deadlock victim, call it again (at most ``attempts`` times).

    Inside an outer transaction nothing is retried here: the whole outer transaction is
    lost, so the error goes up to whoever opened it.
    """
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except OperationalError as exc:
            if (
                attempt == attempts
                or not is_deadlock(exc)
                or transaction.get_connection().in_atomic_block
            ):
                raise
            logger.warning("Deadlock victim, running again (attempt %s): %s", attempt + 1, exc)
            # A short random pause lets the transaction that won finish first.
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


def retrying(func: Callable[P, T]) -> Callable[P, T]:
    """Decorator form of ``retry_deadlocks`` (for tasks: they take ids and re-read rows)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return retry_deadlocks(lambda: func(*args, **kwargs))

    return wrapper
