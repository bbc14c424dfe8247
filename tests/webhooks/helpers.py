"""Helpers for webhook tests: send what is due, as the worker and its pick-up would."""

from __future__ import annotations

from collections.abc import Callable

from sheetflow.webhooks import delivery
from sheetflow.webhooks.models import Delivery


def send_all(drain_tasks: Callable[..., int], rounds: int = 10) -> None:
    """Run queued tasks and the periodic pick-up until no delivery is due."""
    for _ in range(rounds):
        drain_tasks()
        due = delivery.due_ids()
        if not due:
            return
        for delivery_id in due:
            delivery.deliver(delivery_id)


def statuses() -> list[str]:
    return list(Delivery.objects.order_by("pk").values_list("status", flat=True))
