"""Every transition, allowed and refused, for every role of the cast (through the API)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sheetflow.connections.models import Connection, State
from sheetflow.connections.services import connection_approve, connection_request
from tests.cast import Cast

ROLES = ["gc_admin", "gc_pm", "gc_reader", "sub_admin", "sub_pm", "outsider"]

# (role, expected HTTP status) for each transition from its starting state.
APPROVE_OR_REJECT = {
    "gc_admin": 200,
    "gc_pm": 200,
    "gc_reader": 404,  # sees the upstream project, not its Connection Manager: 404
    "sub_admin": 403,  # sees the connection from downstream, cannot decide for upstream
    "sub_pm": 403,
    "outsider": 404,
}
CANCEL = {
    "gc_admin": 403,
    "gc_pm": 403,
    "gc_reader": 404,
    "sub_admin": 200,
    "sub_pm": 200,
    "outsider": 404,
}
DISCONNECT = {
    "gc_admin": 200,
    "gc_pm": 200,
    "gc_reader": 404,
    "sub_admin": 200,
    "sub_pm": 200,
    "outsider": 404,
}
# Undo of a reviewed-and-approved connection: downstream admins undo it, upstream admins
# undo their approval (back to pending).
UNDO = {
    "gc_admin": (200, State.PENDING),
    "gc_pm": (200, State.PENDING),
    "gc_reader": (404, State.CONNECTED),
    "sub_admin": (200, State.UNDONE),
    "sub_pm": (200, State.UNDONE),
    "outsider": (404, State.CONNECTED),
}
REQUEST = {
    "gc_admin": 404,  # cannot see the subcontractor's project
    "gc_pm": 404,
    "gc_reader": 404,
    "sub_admin": 404,  # company admin downstream, but not in the contractor's directory
    "sub_pm": 201,
    "outsider": 404,
}


def _state(conn: Connection) -> str:
    return Connection.objects.get(pk=conn.pk).state


@pytest.mark.parametrize("role", ROLES)
def test_only_a_downstream_admin_who_reads_upstream_drawings_may_request(
    cast: Cast, api_as: Callable, review_required: None, role: str
) -> None:
    response = api_as(getattr(cast, role)).post(
        f"/projects/{cast.sub_project.pk}/connections", {"upstream_id": cast.gc_project.pk}
    )
    assert response.status_code == REQUEST[role], response.json()
    assert Connection.objects.filter(downstream=cast.sub_project).exists() == (REQUEST[role] == 201)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb,after", [("approve", State.CONNECTED), ("reject", State.REJECTED)])
def test_only_upstream_admins_decide(
    cast: Cast, api_as: Callable, pending: Connection, role: str, verb: str, after: str
) -> None:
    response = api_as(getattr(cast, role)).post(f"/connections/{pending.pk}/{verb}")
    assert response.status_code == APPROVE_OR_REJECT[role], response.json()
    assert _state(pending) == (after if response.status_code == 200 else State.PENDING)


@pytest.mark.parametrize("role", ROLES)
def test_only_downstream_admins_cancel(
    cast: Cast, api_as: Callable, pending: Connection, role: str
) -> None:
    response = api_as(getattr(cast, role)).post(f"/connections/{pending.pk}/cancel")
    assert response.status_code == CANCEL[role], response.json()
    expected = State.CANCELLED if CANCEL[role] == 200 else State.PENDING
    assert _state(pending) == expected


@pytest.mark.parametrize("role", ROLES)
def test_admins_of_either_side_disconnect(
    cast: Cast, api_as: Callable, connected: Connection, role: str
) -> None:
    response = api_as(getattr(cast, role)).post(
        f"/connections/{connected.pk}/disconnect", {"reason": "Job closed", "acknowledged": True}
    )
    assert response.status_code == DISCONNECT[role], response.json()
    expected = State.DISCONNECTED if DISCONNECT[role] == 200 else State.CONNECTED
    assert _state(connected) == expected


@pytest.mark.parametrize("role", ROLES)
def test_quick_undo_by_role(cast: Cast, api_as: Callable, pending: Connection, role: str) -> None:
    approved = connection_approve(user=cast.gc_pm, connection=pending)
    response = api_as(getattr(cast, role)).post(f"/connections/{approved.pk}/undo")
    status, state = UNDO[role]
    assert response.status_code == status, response.json()
    assert _state(approved) == state


@pytest.mark.parametrize(
    "verb,body",
    [
        ("approve", None),
        ("reject", None),
        ("cancel", None),
        ("undo", None),
    ],
)
def test_transitions_from_the_wrong_state_are_conflicts(
    cast: Cast, api_as: Callable, connected: Connection, verb: str, body: object
) -> None:
    """Approve, reject and cancel need `pending`; undo of an old connection is refused too."""
    connection_disconnected = api_as(cast.sub_pm).post(
        f"/connections/{connected.pk}/disconnect", {"reason": "Done", "acknowledged": True}
    )
    assert connection_disconnected.status_code == 200
    actor = cast.sub_pm if verb in ("cancel", "undo") else cast.gc_pm
    response = api_as(actor).post(f"/connections/{connected.pk}/{verb}", body)
    assert response.status_code == 409
    assert _state(connected) == State.DISCONNECTED


def test_disconnecting_a_pending_request_is_a_conflict(
    cast: Cast, api_as: Callable, pending: Connection
) -> None:
    response = api_as(cast.sub_pm).post(
        f"/connections/{pending.pk}/disconnect", {"reason": "x", "acknowledged": True}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_connected"


def test_a_rejected_downstream_may_request_again(cast: Cast, pending: Connection) -> None:
    from sheetflow.connections.services import connection_reject

    connection_reject(user=cast.gc_pm, connection=pending, reason="Not yet")
    again = connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    assert again.state == State.PENDING and again.pk != pending.pk


def test_a_connection_survives_its_requester_leaving(cast: Cast, connected: Connection) -> None:
    from sheetflow.projects.models import ProjectMember

    ProjectMember.objects.filter(user=cast.sub_pm).delete()
    assert _state(connected) == State.CONNECTED
