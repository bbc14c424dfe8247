"""Which notification each lifecycle event sends, to whom (SPEC §4)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from sheetflow.accounts.models import User
from sheetflow.connections.models import Connection
from sheetflow.notifications.selectors import connection_list
from sheetflow.notifications.services import notify


def connection_path(connection: Connection, side: str) -> str:
    """The connection's page seen from one side ("upstream" or "downstream")."""
    project_id = connection.upstream_id if side == "upstream" else connection.downstream_id
    return reverse(
        "connections:detail", kwargs={"project_id": project_id, "connection_id": connection.pk}
    )


def _context(connection: Connection, actor: User | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection": connection,
        "upstream": connection.upstream,
        "downstream": connection.downstream,
        "actor": actor,
        **extra,
    }


def announce(
    connection: Connection,
    event: str,
    *,
    actor: User | None,
    sides: tuple[str, ...] = ("upstream", "downstream"),
    **extra: Any,
) -> None:
    """Notify the distribution lists of the given sides; someone on both hears once."""
    told: set[int] = set()
    context = _context(connection, actor, extra)
    for side in sides:
        project = connection.upstream if side == "upstream" else connection.downstream
        recipients = [u for u in connection_list(project) if u.pk not in told]
        told.update(u.pk for u in recipients)
        notify(
            event=event,
            recipients=recipients,
            context={**context, "side": side, "project": project},
            link=connection_path(connection, side),
            project=project,
        )


def confirm_to_requester(connection: Connection, requester: User) -> None:
    """The requester's own confirmation that their request was sent."""
    notify(
        event="connection_request_sent",
        recipients=[requester],
        context={**_context(connection, requester, {}), "side": "downstream"},
        link=connection_path(connection, "downstream"),
        project=connection.downstream,
    )
