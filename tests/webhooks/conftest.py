"""Webhook fixtures: a receiver on 127.0.0.1, settings that let only it be reached."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sheetflow.webhooks.models import EventType
from sheetflow.webhooks.services import endpoint_create
from tests.cast import Cast
from tests.webhooks.receiver import Receiver


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    """Only the test receiver's address is let through, over plain http."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def endpoint_on(cast: Cast) -> Callable[..., Any]:
    """An endpoint on a project for the given events (all by default); returns (it, secret)."""

    def make(project: Any, url: str, events: list[str] | None = None) -> Any:
        return endpoint_create(
            user=cast.gc_admin if project.company_id == cast.gc.pk else cast.sub_admin,
            project=project,
            url=url,
            events=events or list(EventType.values),
        )

    return make
