"""Bad input to the connection endpoints gets a clear 4xx in the one error shape."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sheetflow.connections.models import Connection
from tests.cast import Cast

HUGE = 99999999999999999999999


def _shape(response) -> None:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"detail", "code"}, body


@pytest.mark.parametrize(
    "path",
    [
        "/connections/999999",
        f"/connections/{HUGE}",
        "/connections/999999/events",
        "/projects/999999/connections",
        f"/projects/{HUGE}/connectable-upstreams",
        "/projects/999999/distribution-lists",
        "/companies/999999/connection-settings",
    ],
)
def test_unknown_ids_are_404_or_422(cast: Cast, api_as: Callable, path: str) -> None:
    response = api_as(cast.gc_admin).get(path)
    assert response.status_code in (404, 422)
    _shape(response)


@pytest.mark.parametrize(
    "payload",
    [{}, {"upstream_id": "x"}, {"upstream_id": -1}, {"upstream_id": HUGE}, {"upstream_id": 999999}],
)
def test_bad_requests_create_nothing(cast: Cast, api_as: Callable, payload: dict) -> None:
    response = api_as(cast.sub_pm).post(f"/projects/{cast.sub_project.pk}/connections", payload)
    assert response.status_code in (404, 422)
    _shape(response)
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"reason": "x" * 2001, "acknowledged": True},
        {"reason": "x", "acknowledged": "maybe"},
        {"reason": 5},
    ],
)
def test_bad_disconnects_change_nothing(
    cast: Cast, api_as: Callable, connected: Connection, payload: dict
) -> None:
    response = api_as(cast.gc_pm).post(f"/connections/{connected.pk}/disconnect", payload)
    assert response.status_code == 422
    _shape(response)
    assert Connection.objects.get(pk=connected.pk).state == "connected"


@pytest.mark.parametrize(
    "payload",
    [
        {"connection": {"mode": "some"}},
        {"connection": {"mode": "specific", "user_ids": [HUGE]}},
        {"connection": {"mode": "specific", "user_ids": [999999]}},
        {"connection": {"mode": "specific", "user_ids": []}},
    ],
)
def test_bad_list_settings_are_refused(cast: Cast, api_as: Callable, payload: dict) -> None:
    response = api_as(cast.gc_pm).put(f"/projects/{cast.gc_project.pk}/distribution-lists", payload)
    assert response.status_code in (400, 404, 422)
    _shape(response)


def test_an_unknown_approval_mode_is_refused(cast: Cast, api_as: Callable) -> None:
    response = api_as(cast.gc_admin).put(
        f"/companies/{cast.gc.pk}/connection-settings", {"approval_mode": "sometimes"}
    )
    assert response.status_code == 422
    _shape(response)


def test_the_downstream_list_is_paginated_and_filtered(
    cast: Cast, api_as: Callable, connected: Connection
) -> None:
    client = api_as(cast.gc_pm)
    url = f"/projects/{cast.gc_project.pk}/downstream-connections"
    assert [c["id"] for c in client.get(url).json()["items"]] == [connected.pk]
    assert client.get(url, {"state": "pending"}).json() == {"items": [], "count": 0}
    assert client.get(url, {"limit": 10**9}).status_code == 422
    assert client.get(url, {"state": "bogus"}).status_code == 422


def test_unknown_notification_is_404(cast: Cast, api_as: Callable) -> None:
    for path in ("/notifications/999999/read", f"/notifications/{HUGE}/read"):
        response = api_as(cast.gc_pm).post(path)
        assert response.status_code in (404, 422)
        _shape(response)
