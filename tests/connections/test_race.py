"""Two requests for one downstream at the same moment leave exactly one live connection.

Each request runs in its own thread with its own database connection and transaction, on
SQLite and on PostgreSQL alike (CI runs both).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from sheetflow.connections import rules
from sheetflow.connections.models import LIVE_STATES, Connection
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add, project_create
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls in threads released together; return their HTTP statuses."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    failures: list[BaseException] = []

    def run(call: Callable[[], int]) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(call())
        except BaseException as exc:  # surfaced to the test below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return sorted(statuses)


def _two_requests(cast: Cast, api_as: Callable) -> list[Callable[[], int]]:
    second_upstream = project_create(company=cast.gc, name="Harbor Lofts", code="HL")
    member_add(project=second_upstream, user=cast.sub_pm, drawings=Level.READ_ONLY)
    clients = [api_as(cast.sub_pm), api_as(cast.sub_pm)]
    upstreams = [cast.gc_project.pk, second_upstream.pk]
    url = f"/projects/{cast.sub_project.pk}/connections"
    return [
        lambda c=client, u=upstream: c.post(url, {"upstream_id": u}).status_code
        for client, upstream in zip(clients, upstreams, strict=True)
    ]


def test_two_requests_at_once_leave_exactly_one_live_connection(
    cast: Cast, api_as: Callable
) -> None:
    statuses = _race(_two_requests(cast, api_as))
    assert statuses == [201, 409]
    live = Connection.objects.filter(downstream=cast.sub_project, state__in=LIVE_STATES)
    assert live.count() == 1


def test_the_database_holds_the_rule_even_when_the_check_is_skipped(
    cast: Cast, api_as: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the service's own check, the partial unique index still refuses the second
    # (IntegrityError, answered as 409 Conflict).
    monkeypatch.setattr(rules, "check_no_upstream_yet", lambda downstream, exclude=None: None)
    statuses = _race(_two_requests(cast, api_as))
    assert statuses == [201, 409]
    assert Connection.objects.filter(downstream=cast.sub_project).count() == 1
