"""The webhooks API: endpoints, the secret shown once and rotated, test events, the log."""

from __future__ import annotations

import pytest

from sheetflow.webhooks.models import Endpoint
from tests.cast import Cast
from tests.webhooks.helpers import send_all


def base(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/webhooks"


@pytest.mark.django_db
def test_an_endpoint_is_created_with_its_secret_shown_once(cast: Cast, api_as, receiver) -> None:
    api = api_as(cast.gc_pm)
    created = api.post(base(cast), {"url": receiver.url, "events": ["connection.approved"]})
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["is_active"] is True
    again = api.get(f"{base(cast)}/{body['id']}").json()
    assert "secret" not in again and again["events"] == ["connection.approved"]
    listed = api.get(base(cast)).json()
    assert listed["count"] == 1 and "secret" not in listed["items"][0]


@pytest.mark.django_db
def test_a_test_event_is_sent_by_the_worker_and_logged(
    cast: Cast, api_as, receiver, drain_tasks
) -> None:
    api = api_as(cast.gc_pm)
    created = api.post(base(cast), {"url": receiver.url, "events": ["sync.failing"]}).json()
    url = f"{base(cast)}/{created['id']}"
    queued = api.post(f"{url}/test")
    assert queued.status_code == 202 and queued.json()["status"] == "pending"
    assert receiver.received == []  # nothing is sent inside a request
    send_all(drain_tasks)
    (got,) = receiver.received
    assert got.json["type"] == "ping" and got.signature_valid(created["secret"])
    log = api.get(f"{url}/deliveries").json()
    assert log["count"] == 1
    item = log["items"][0]
    assert item["status"] == "delivered" and item["response_code"] == 200
    assert item["event_id"] == got.json["id"] and item["duration_ms"] is not None
    detail = api.get(f"{url}/deliveries/{item['id']}").json()
    assert detail["request_body"] == got.body.decode() and detail["response_body"] == "ok"


@pytest.mark.django_db
def test_rotating_the_secret_signs_the_next_deliveries_with_the_new_one(
    cast: Cast, api_as, receiver, drain_tasks
) -> None:
    api = api_as(cast.gc_pm)
    created = api.post(base(cast), {"url": receiver.url, "events": ["sync.failing"]}).json()
    url = f"{base(cast)}/{created['id']}"
    rotated = api.post(f"{url}/rotate-secret").json()["secret"]
    assert rotated != created["secret"]
    api.post(f"{url}/test")
    send_all(drain_tasks)
    (got,) = receiver.received
    assert got.signature_valid(rotated) and not got.signature_valid(created["secret"])


@pytest.mark.django_db
def test_endpoints_are_edited_turned_off_and_deleted(cast: Cast, api_as, receiver) -> None:
    api = api_as(cast.gc_pm)
    created = api.post(base(cast), {"url": receiver.url, "events": ["sync.failing"]}).json()
    url = f"{base(cast)}/{created['id']}"
    edited = api.patch(url, {"events": ["revisions.copied", "sync.failing"], "is_active": False})
    assert edited.status_code == 200
    assert edited.json()["events"] == ["revisions.copied", "sync.failing"]
    assert edited.json()["is_active"] is False
    refused = api.post(f"{url}/test")
    assert refused.status_code == 400 and refused.json()["code"] == "disabled"
    bad = api.patch(url, {"events": ["nope"]})
    assert bad.status_code == 422
    assert api.delete(url).status_code == 204
    assert not Endpoint.objects.exists()
    assert api.get(url).status_code == 404


@pytest.mark.django_db
def test_only_connection_manager_admins_manage_webhooks(cast: Cast, api_as, receiver) -> None:
    payload = {"url": receiver.url, "events": ["sync.failing"]}
    created = api_as(cast.gc_admin).post(base(cast), payload)
    assert created.status_code == 201
    url = f"{base(cast)}/{created.json()['id']}"
    for user, code in ((cast.gc_reader, 403), (cast.sub_pm, 403), (cast.outsider, 404)):
        api = api_as(user)
        assert api.get(base(cast)).status_code == code
        assert api.post(base(cast), payload).status_code == code
        assert api.get(url).status_code == code
        assert api.post(f"{url}/test").status_code == code
    # Another project's admin cannot reach this endpoint through their own project.
    other = api_as(cast.sub_pm).get(
        f"/projects/{cast.sub_project.pk}/webhooks/{created.json()['id']}"
    )
    assert other.status_code == 404
