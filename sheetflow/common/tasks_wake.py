"""Task wake-ups: on PostgreSQL a new task wakes the workers at once instead of at their next poll.

A worker that finds its queues empty sleeps for its poll interval, so a task enqueued just
after a poll waited that long for nothing. Here every new task row sends
``pg_notify(CHANNEL, queue_name)`` from the transaction that inserts it: PostgreSQL delivers
it when that transaction commits (when the row is visible to the worker) and drops it on
rollback. Between polls each worker thread waits on a LISTEN connection of its own and polls
as soon as a notification names one of its queues.

Polling stays as the fallback: a notification can be lost (the LISTEN connection dropped, or
a task made ready again by the reaper, which sends none), so a worker still polls every
interval; after its LISTEN connection drops it polls at each interval while reconnecting. On
SQLite polling is the only mechanism.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import close_old_connections, connections, router
from django.db.models.signals import post_save
from django.db.utils import OperationalError
from django.dispatch import receiver
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception
from psycopg import sql

logger = logging.getLogger(__name__)

CHANNEL = "sheetflow_tasks"
# How the LISTEN connections show in pg_stat_activity.
APPLICATION_NAME = "sheetflow-listen"
# Longest single wait: a stopping worker notices within this even with a long poll interval.
WAIT_SLICE = 1.0


@receiver(post_save, sender=DBTaskResult, dispatch_uid="tasks-wake-notify")
def notify_workers(
    sender: Any, instance: DBTaskResult[Any, Any], created: bool, using: str, **kwargs: Any
) -> None:
    """A task row was inserted: tell the listening workers of its queue (at commit)."""
    if not created or connections[using].vendor != "postgresql":
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, instance.queue_name])


class Waiter:
    """Waits between two polls: until a notification for a wanted queue, or the timeout."""

    def __init__(self, alias: str, wanted: Callable[[str], bool]) -> None:
        self.alias = alias
        self.wanted = wanted
        self.listens = connections[alias].vendor == "postgresql"
        self._conn: psycopg.Connection[Any] | None = None
        self._lost = False

    def start(self) -> None:
        """LISTEN before the first poll, so a task enqueued right after it still wakes us."""
        if self.listens:
            self._connect()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def wait(self, timeout: float) -> bool:
        """True when woken early (the caller polls now); False when ``timeout`` passed."""
        if not self.listens:
            time.sleep(timeout)
            return False
        deadline = time.monotonic() + timeout
        if self._conn is None:
            # Notifications sent while it was down are lost: poll at once when it is back.
            if self._connect():
                return True
        else:
            try:
                # Notifications that arrived while the worker ran a task come out first.
                for notify in self._conn.notifies(timeout=timeout):
                    if self.wanted(notify.payload):
                        return True
                return False
            except psycopg.Error:
                logger.warning("Task wake-up connection lost; polling until it is back")
                self._lost = True
                self.close()
                if self._connect():
                    return True
        time.sleep(max(0.0, deadline - time.monotonic()))
        return False

    def _connect(self) -> bool:
        params = {
            **connections[self.alias].get_connection_params(),
            "autocommit": True,
            "application_name": APPLICATION_NAME,
            "connect_timeout": 5,
        }
        try:
            conn = psycopg.Connection.connect(**params)
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        except psycopg.Error:
            if not self._lost:  # said once per outage, not at every poll
                logger.warning("Cannot listen for task wake-ups; polling until it can")
                self._lost = True
            return False
        if self._lost:
            logger.info("Task wake-up connection is back")
            self._lost = False
        self._conn = conn
        return True


class ListeningWorker(Worker):
    """django-tasks-db's worker, waiting on a :class:`Waiter` instead of sleeping between polls."""

    def wants(self, queue_name: str) -> bool:
        return (
            self.process_all_queues or queue_name in self.queue_names
        ) and queue_name not in self.excluded_queue_names

    def run(self) -> None:
        if self.batch:  # drains the queue and exits: nothing to wait for
            super().run()
            return
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        waiter = Waiter(router.db_for_write(DBTaskResult), self.wants)
        waiter.start()
        try:
            while self.running:
                # The parent's loop, with its sleep replaced by the waiter.
                close_old_connections()
                task_result = self._claim()
                if task_result is not None:
                    self.run_task(task_result)
                    continue
                close_old_connections()
                deadline = time.monotonic() + self.interval
                while self.running and (left := deadline - time.monotonic()) > 0:
                    if waiter.wait(min(left, WAIT_SLICE)):
                        break
        finally:
            waiter.close()

    def _claim(self) -> DBTaskResult[Any, Any] | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
            except OperationalError as exc:
                if is_locked_database_exception(exc):  # SQLite busy: try again next time
                    return None
                raise
            if task_result is not None:
                task_result.claim(self.worker_id)  # so no other worker runs it
            return task_result
