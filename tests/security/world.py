"""A module-wide world for sweeps: built once inside a transaction rolled back at the end.

Each test still runs in its own savepoint (pytest-django's ``db``), so nothing one test
writes reaches the next; the world is simply not rebuilt for every route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from tests.queue import run_queued_tasks

T = TypeVar("T")

# Our own apps' tables, plus the task queue (a refused request must not enqueue work).
SNAPSHOT_APPS = ("accounts", "projects", "drawings", "connections", "notifications", "webhooks")
# Bookkeeping that legitimately changes on any authenticated request.
VOLATILE_FIELDS = {"last_used_at", "last_login"}


def drain() -> None:
    """Run queued tasks (renders, copies, emails) in this process, as the worker does."""
    run_queued_tasks(allow_failures=True)


@contextmanager
def module_world(build: Callable[[], T], blocker: Any, media: Path) -> Iterator[T]:
    """Build the world with database access and its own media folder; undo it afterwards."""
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    with (
        blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), STORAGES=storages),
        transaction.atomic(),
    ):
        yield build()
        transaction.set_rollback(True)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the main tables (volatile bookkeeping fields left out), and the queue."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__ == "SignInThrottle":
                continue
            fields = [
                f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE_FIELDS
            ]
            rows[model._meta.label] = sorted(
                model.objects.order_by("pk").values_list(*fields), key=repr
            )
    rows["tasks"] = sorted(DBTaskResult.objects.values_list("id", "status"), key=repr)
    return rows


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]
