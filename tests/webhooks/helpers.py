"""Helpers for webhook tests: send what is due, as the worker and its pick-up would."""

from __future__ import annotations

from collections.abc import Callable

from sheetflow.webhooks import delivery
from sheetflow.webhooks.models import Delivery
from sheetflow.webhooks.tasks import deliver_task


def send_all(drain_tasks: Callable[..., int], rounds: int = 10) -> None:
    """Run queued tasks (sends and their queued retries) until nothing ready is left, with
    the periodic pick-up of lost deliveries in between."""
    for _ in range(rounds):
        ran = drain_tasks()
        picked = delivery.due_ids()
        for delivery_id in picked:
            deliver_task.enqueue(delivery_id)
        if not ran and not picked:
            return


def statuses() -> list[str]:
    return list(Delivery.objects.order_by("pk").values_list("status", flat=True))
