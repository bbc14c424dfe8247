"""The connections, lists, settings and notifications API, seen by each side."""

from __future__ import annotations

from collections.abc import Callable

from sheetflow.connections.models import Connection
from sheetflow.connections.services import connection_disconnect
from tests.cast import Cast


def test_both_sides_see_the_connection_and_its_history(
    cast: Cast, api_as: Callable, pending: Connection
) -> None:
    approved = api_as(cast.gc_pm).post(f"/connections/{pending.pk}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "connected"
    for user, project in ((cast.gc_pm, cast.gc_project), (cast.sub_pm, cast.sub_project)):
        client = api_as(user)
        listing = client.get(f"/projects/{project.pk}/connections").json()
        ids = [c["id"] for c in listing["downstreams"]] + (
            [listing["upstream"]["id"]] if listing["upstream"] else []
        )
        assert ids == [pending.pk]
        events = client.get(f"/connections/{pending.pk}/events").json()
        assert [e["kind"] for e in events["items"]] == ["requested", "approved"]
        assert events["items"][1]["actor"]["full_name"] == "Gary Holt"


def test_pending_requests_are_listed_for_review_upstream(
    cast: Cast, api_as: Callable, pending: Connection
) -> None:
    listing = api_as(cast.gc_pm).get(f"/projects/{cast.gc_project.pk}/connections").json()
    assert [c["id"] for c in listing["requests"]] == [pending.pk]
    assert listing["upstream"] is None and listing["downstreams"] == []


def test_the_disconnect_reason_is_in_the_history_of_both_sides(
    cast: Cast, api_as: Callable, connected: Connection
) -> None:
    response = api_as(cast.sub_pm).post(
        f"/connections/{connected.pk}/disconnect",
        {"reason": "Scope removed from our contract", "acknowledged": True},
    )
    assert response.json()["disconnect_reason"] == "Scope removed from our contract"
    events = api_as(cast.gc_pm).get(f"/connections/{connected.pk}/events").json()["items"]
    assert events[-1]["kind"] == "disconnected"
    assert events[-1]["details"]["reason"] == "Scope removed from our contract"


def test_disconnect_requires_acknowledgement_and_reason(
    cast: Cast, api_as: Callable, connected: Connection
) -> None:
    client = api_as(cast.gc_pm)
    url = f"/connections/{connected.pk}/disconnect"
    no_ack = client.post(url, {"reason": "x", "acknowledged": False})
    assert no_ack.status_code == 400 and no_ack.json()["code"] == "acknowledgement_required"
    blank = client.post(url, {"reason": "   ", "acknowledged": True})
    assert blank.status_code == 400 and blank.json()["code"] == "reason_required"
    assert client.post(url, {"acknowledged": True}).status_code == 422
    assert Connection.objects.get(pk=connected.pk).state == "connected"


def test_rule_errors_carry_their_code(cast: Cast, api_as: Callable, connected: Connection) -> None:
    connection_disconnect(
        user=cast.gc_pm, side="upstream", connection=connected, reason="x", acknowledged=True
    )
    again = api_as(cast.sub_pm).post(
        f"/projects/{cast.sub_project.pk}/connections", {"upstream_id": cast.gc_project.pk}
    )
    assert again.status_code == 400
    assert again.json()["code"] == "was_disconnected"


def test_outsiders_get_404_for_everything_about_a_connection(
    cast: Cast, api_as: Callable, connected: Connection
) -> None:
    client = api_as(cast.outsider)
    assert client.get(f"/connections/{connected.pk}").status_code == 404
    assert client.get(f"/connections/{connected.pk}/events").status_code == 404
    assert client.get(f"/projects/{cast.gc_project.pk}/connections").status_code == 404
    assert client.get(f"/connections/{connected.pk + 1000}").status_code == 404


def test_the_picker_endpoint(cast: Cast, api_as: Callable) -> None:
    response = api_as(cast.sub_pm).get(f"/projects/{cast.sub_project.pk}/connectable-upstreams")
    assert [p["id"] for p in response.json()["items"]] == [cast.gc_project.pk]
    refused = api_as(cast.gc_reader).get(f"/projects/{cast.gc_project.pk}/connectable-upstreams")
    assert refused.status_code == 403


def test_distribution_lists_read_and_write(cast: Cast, api_as: Callable) -> None:
    client = api_as(cast.gc_pm)
    url = f"/projects/{cast.gc_project.pk}/distribution-lists"
    lists = {item["kind"]: item for item in client.get(url).json()}
    assert lists["connection"]["mode"] == "all"
    assert [u["id"] for u in lists["connection"]["recipients"]] == [cast.gc_pm.pk]
    candidates = {u["id"] for u in lists["connection"]["candidates"]}
    assert candidates == {cast.gc_pm.pk, cast.gc_admin.pk}
    saved = client.put(url, {"connection": {"mode": "specific", "user_ids": [cast.gc_admin.pk]}})
    assert saved.status_code == 200
    lists = {item["kind"]: item for item in saved.json()}
    assert [u["id"] for u in lists["connection"]["recipients"]] == [cast.gc_admin.pk]
    assert lists["drawings"]["mode"] == "all"
    bad = client.put(url, {"drawings": {"mode": "specific", "user_ids": [cast.gc_reader.pk]}})
    assert bad.status_code == 400 and bad.json()["code"] == "list_user_not_eligible"
    assert api_as(cast.gc_reader).get(url).status_code == 403
    assert api_as(cast.outsider).get(url).status_code == 404


def test_company_approval_setting(cast: Cast, api_as: Callable) -> None:
    url = f"/companies/{cast.gc.pk}/connection-settings"
    assert api_as(cast.gc_pm).get(url).json() == {"company_id": cast.gc.pk, "approval_mode": "auto"}
    assert api_as(cast.gc_pm).put(url, {"approval_mode": "review"}).status_code == 403
    assert api_as(cast.sub_admin).put(url, {"approval_mode": "review"}).status_code == 404
    saved = api_as(cast.gc_admin).put(url, {"approval_mode": "review"})
    assert saved.json()["approval_mode"] == "review"
    requested = api_as(cast.sub_pm).post(
        f"/projects/{cast.sub_project.pk}/connections", {"upstream_id": cast.gc_project.pk}
    )
    assert requested.status_code == 201 and requested.json()["state"] == "pending"


def test_notifications_api_lists_and_marks_read(
    cast: Cast, api_as: Callable, pending: Connection
) -> None:
    client = api_as(cast.gc_pm)
    assert client.get("/notifications/unread-count").json() == {"unread": 1}
    [note] = client.get("/notifications", {"unread": "true"}).json()["items"]
    assert note["event"] == "connection_requested"
    assert note["url"].endswith(f"/projects/{cast.gc_project.pk}/connections/{pending.pk}/")
    assert client.post(f"/notifications/{note['id']}/read").json()["read_at"] is not None
    assert client.get("/notifications/unread-count").json() == {"unread": 0}
    assert api_as(cast.sub_pm).post(f"/notifications/{note['id']}/read").status_code == 404
    assert api_as(cast.sub_pm).post("/notifications/read-all").json() == {"marked": 1}
