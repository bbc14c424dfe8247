"""Who may make which move on a connection, and from which side: the one table in selectors."""

from __future__ import annotations

import pytest

from sheetflow.common.errors import Forbidden, ServiceError
from sheetflow.connections.models import Connection
from sheetflow.connections.selectors import (
    Move,
    acting_side,
    can_view_connection,
    move_sides,
    undo_sides,
)
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add
from tests.cast import Cast, person

pytestmark = pytest.mark.django_db


def test_only_the_upstream_decides_and_only_the_downstream_cancels(
    cast: Cast, pending: Connection
) -> None:
    assert acting_side(user=cast.gc_pm, connection=pending, move=Move.APPROVE) == "upstream"
    assert acting_side(user=cast.gc_pm, connection=pending, move=Move.REJECT) == "upstream"
    assert acting_side(user=cast.sub_pm, connection=pending, move=Move.CANCEL) == "downstream"
    for user, move in ((cast.sub_pm, Move.APPROVE), (cast.gc_pm, Move.CANCEL)):
        with pytest.raises(Forbidden):
            acting_side(user=user, connection=pending, move=move)


def test_either_side_may_disconnect_from_its_own_side_only(
    cast: Cast, connected: Connection
) -> None:
    assert move_sides(cast.sub_pm, connected, Move.DISCONNECT) == ["downstream"]
    assert move_sides(cast.gc_pm, connected, Move.DISCONNECT) == ["upstream"]
    with pytest.raises(Forbidden) as refused:
        acting_side(user=cast.gc_pm, connection=connected, move=Move.DISCONNECT, side="downstream")
    assert "downstream project's Connection Manager" in refused.value.detail


def test_a_reader_of_the_connection_manager_may_see_but_not_move(
    cast: Cast, connected: Connection
) -> None:
    reader = person(cast.gc, "cm-reader@apex.test", "Connection Reader")
    member_add(project=cast.gc_project, user=reader, connection_manager=Level.READ_ONLY)
    assert can_view_connection(reader, connected)
    assert move_sides(reader, connected, Move.DISCONNECT) == []
    with pytest.raises(Forbidden) as refused:
        acting_side(user=reader, connection=connected, move=Move.DISCONNECT)
    assert "either project's" in refused.value.detail


def test_an_admin_of_both_sides_acts_from_the_downstream_unless_asked(
    cast: Cast, connected: Connection
) -> None:
    member_add(
        project=cast.sub_project,
        user=cast.gc_pm,
        drawings=Level.ADMIN,
        connection_manager=Level.ADMIN,
    )
    assert move_sides(cast.gc_pm, connected, Move.DISCONNECT) == ["downstream", "upstream"]
    assert acting_side(user=cast.gc_pm, connection=connected, move=Move.UNDO) == "downstream"
    assert (
        acting_side(user=cast.gc_pm, connection=connected, move=Move.UNDO, side="upstream")
        == "upstream"
    )


def test_an_unknown_side_is_refused_as_bad_input(cast: Cast, connected: Connection) -> None:
    with pytest.raises(ServiceError) as refused:
        acting_side(user=cast.sub_pm, connection=connected, move=Move.UNDO, side="sideways")
    assert refused.value.code == "invalid_side" and refused.value.status == 400


def test_an_auto_approval_offers_no_upstream_undo(cast: Cast, connected: Connection) -> None:
    assert undo_sides(cast.sub_pm, connected) == ["downstream"]
    assert undo_sides(cast.gc_pm, connected) == []
