"""Every rule of SPEC §3.1, refused by the service with an error that names it."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sheetflow.common.errors import ServiceError
from sheetflow.connections.models import Connection, State
from sheetflow.connections.selectors import connectable_upstreams, connection_pair_get
from sheetflow.connections.services import (
    connection_approve,
    connection_disconnect,
    connection_request,
)
from sheetflow.projects.models import Level, Project
from sheetflow.projects.services import member_add, project_create, project_update
from tests.cast import Cast
from tests.drawings.factories import publish_sheets


def _refused(code: str, **kwargs: object) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        connection_request(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code, caught.value.detail
    return caught.value


def _sub_project_2(cast: Cast) -> Project:
    """A second subcontractor project, run by the same project manager."""
    project = project_create(company=cast.sub, name="Harbor Lofts Electrical", code="BE-HL")
    member_add(
        project=project, user=cast.sub_pm, drawings=Level.ADMIN, connection_manager=Level.ADMIN
    )
    return project


def _gc_project_2(cast: Cast) -> Project:
    project = project_create(company=cast.gc, name="Harbor Lofts", code="HL")
    member_add(project=project, user=cast.sub_pm, drawings=Level.READ_ONLY)
    return project


def test_it_refuses_to_connect_a_project_to_itself(cast: Cast) -> None:
    _refused(
        "self_connection", user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.sub_project
    )
    assert not Connection.objects.exists()


@pytest.mark.parametrize("which", ["upstream", "downstream"])
def test_it_refuses_inactive_projects(cast: Cast, which: str) -> None:
    project_update(
        project=getattr(cast, f"{'gc' if which == 'upstream' else 'sub'}_project"), is_active=False
    )
    error = _refused(
        "inactive_project", user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )
    assert error.status == 400


def test_same_company_connections_are_allowed(cast: Cast) -> None:
    other = project_create(company=cast.gc, name="Harbor Lofts", code="HL")
    conn = connection_request(user=cast.gc_admin, downstream=other, upstream=cast.gc_project)
    assert conn.state == State.CONNECTED


def test_it_refuses_a_second_upstream(cast: Cast, pending: Connection) -> None:
    error = _refused(
        "already_has_upstream",
        user=cast.sub_pm,
        downstream=cast.sub_project,
        upstream=_gc_project_2(cast),
    )
    assert error.status == 409


def test_a_project_downstream_of_another_cannot_be_an_upstream(
    cast: Cast, connected: Connection
) -> None:
    _refused(
        "no_chaining", user=cast.sub_pm, downstream=_sub_project_2(cast), upstream=cast.sub_project
    )


def test_a_project_with_downstreams_cannot_become_a_downstream(
    cast: Cast, connected: Connection
) -> None:
    _refused(
        "no_chaining", user=cast.gc_admin, downstream=cast.gc_project, upstream=_gc_project_2(cast)
    )


def test_a_pending_request_already_blocks_chaining(cast: Cast, pending: Connection) -> None:
    _refused(
        "no_chaining", user=cast.gc_admin, downstream=cast.gc_project, upstream=_gc_project_2(cast)
    )


@pytest.mark.parametrize("same_upstream", [True, False])
def test_a_disconnected_downstream_can_never_connect_again(
    cast: Cast, connected: Connection, same_upstream: bool
) -> None:
    connection_disconnect(
        user=cast.gc_pm, side="upstream", connection=connected, reason="Over", acknowledged=True
    )
    upstream = cast.gc_project if same_upstream else _gc_project_2(cast)
    _refused("was_disconnected", user=cast.sub_pm, downstream=cast.sub_project, upstream=upstream)


@pytest.mark.parametrize("which", ["gc", "sub"])
def test_projects_over_the_revision_limit_cannot_connect(cast: Cast, which: str) -> None:
    user = cast.gc_pm if which == "gc" else cast.sub_pm
    publish_sheets(getattr(cast, f"{which}_project"), user, 3)
    with override_settings(CONNECTION_MAX_REVISIONS=2):
        error = _refused(
            "too_many_revisions",
            user=cast.sub_pm,
            downstream=cast.sub_project,
            upstream=cast.gc_project,
        )
    assert "2" in error.detail
    with override_settings(CONNECTION_MAX_REVISIONS=3):  # at the limit is still allowed
        connection_request(user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project)


def test_the_revision_limit_is_checked_again_at_approval(cast: Cast, pending: Connection) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    with override_settings(CONNECTION_MAX_REVISIONS=1), pytest.raises(ServiceError) as caught:
        connection_approve(user=cast.gc_pm, connection=pending)
    assert caught.value.code == "too_many_revisions"
    assert Connection.objects.get(pk=pending.pk).state == State.PENDING


def test_an_upstream_deactivated_while_pending_cannot_be_approved(
    cast: Cast, pending: Connection
) -> None:
    project_update(project=cast.gc_project, is_active=False)
    with pytest.raises(ServiceError) as caught:
        connection_approve(user=cast.gc_pm, connection=pending)
    assert caught.value.code == "inactive_project"


def test_the_picker_lists_only_projects_the_user_may_connect_to(cast: Cast) -> None:
    hl = _gc_project_2(cast)
    hidden = project_create(company=cast.gc, name="Secret Tower", code="ST")  # not in directory
    closed = project_create(company=cast.gc, name="Old Mill", code="OM", is_active=False)
    member_add(project=closed, user=cast.sub_pm)
    reader_only_cm = project_create(company=cast.gc, name="North Yard", code="NY")
    member_add(project=reader_only_cm, user=cast.sub_pm, drawings=Level.NONE)
    picked = connectable_upstreams(user=cast.sub_pm, downstream=cast.sub_project)
    assert {p.pk for p in picked} == {cast.gc_project.pk, hl.pk}
    assert hidden not in picked


def test_the_picker_leaves_out_projects_that_are_downstream(cast: Cast) -> None:
    hl = _gc_project_2(cast)
    connection_request(user=cast.gc_admin, downstream=hl, upstream=cast.gc_project)
    picked = connectable_upstreams(user=cast.sub_pm, downstream=cast.sub_project)
    assert [p.pk for p in picked] == [cast.gc_project.pk]


def test_the_picker_is_empty_for_a_project_that_cannot_connect(
    cast: Cast, connected: Connection
) -> None:
    assert connectable_upstreams(user=cast.sub_pm, downstream=cast.sub_project) == []
    assert connectable_upstreams(user=cast.gc_reader, downstream=cast.gc_project) == []


def test_requesting_needs_drawings_access_in_both_projects(cast: Cast) -> None:
    from sheetflow.projects.models import ProjectMember
    from sheetflow.projects.services import member_update

    member = ProjectMember.objects.get(project=cast.gc_project, user=cast.sub_pm)
    member_update(member=member, drawings=Level.NONE)
    with pytest.raises(ServiceError) as caught:
        connection_pair_get(
            user=cast.sub_pm, downstream_id=cast.sub_project.pk, upstream_id=cast.gc_project.pk
        )
    assert caught.value.status == 403 and caught.value.code == "drawings_access_required"
