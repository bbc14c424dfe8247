"""Webhook tasks: thin, take ids, idempotent (a delivery is sent only by whoever claims it)."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every

# Like every app's tasks module, this one imports what it runs inside each task: the
# modules that queue these tasks import this one.


@task()
def deliver_task(delivery_id: int) -> str:
    """Send one delivery if it is due and unclaimed; a no-op otherwise."""
    from sheetflow.webhooks import delivery

    return delivery.deliver(delivery_id)


@task()
def published_downstream_task(downstream_id: int) -> int:
    """Announce what a downstream project published since the last look."""
    from sheetflow.webhooks import hooks

    return hooks.downstream_published(downstream_id)


@every(2.0)
def pick_up_due_deliveries() -> None:
    """Retries that are due, and deliveries whose worker died mid-send (lease expired)."""
    from sheetflow.webhooks import delivery

    for delivery_id in delivery.due_ids():
        deliver_task.enqueue(delivery_id)


@every(30.0)
def look_for_downstream_publishes() -> None:
    """Catches publishes whose after-commit wake-up was lost."""
    from sheetflow.webhooks import hooks

    for project_id in hooks.published_watch_targets():
        published_downstream_task.enqueue(project_id)


@every(3600.0)
def purge_old_bodies() -> None:
    from sheetflow.webhooks import delivery

    delivery.purge_bodies()
