"""The upstream's distribution view: numbers through publish, unpublish, withdraw, disconnect."""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from sheetflow.connections import distribution as dist
from sheetflow.connections.models import Connection
from sheetflow.connections.services import connection_disconnect
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish, revisions_unpublish
from sheetflow.projects.models import Level, Project
from sheetflow.projects.services import member_add, project_create
from tests.cast import Cast
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets, upload_sheets


def second_downstream(cast: Cast, code: str = "BE-2") -> Project:
    other = project_create(company=cast.sub, name=f"Job {code}", code=code)
    member_add(
        project=other, user=cast.sub_pm, drawings=Level.ADMIN, connection_manager=Level.ADMIN
    )
    return other


def copy_in(project: Project, upstream: Revision) -> Revision:
    return Revision.objects.get(project=project, upstream_uuid=upstream.uuid)


def statuses(project: Project, revision: Revision) -> dict[int, str]:
    return {conn.downstream_id: cell.status for conn, cell in dist.revision_rows(project, revision)}


@pytest.fixture
def world(cast: Cast, drain_tasks):
    """Two published upstream sheets copied into two downstream projects."""
    revs = publish_sheets(cast.gc_project, cast.gc_pm, 2)
    other = second_downstream(cast)
    first = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    second = connect(cast.sub_pm, other, cast.gc_project)
    settle(drain_tasks)
    return revs, other, first, second


@pytest.mark.django_db
def test_the_numbers_follow_publish_unpublish_withdraw_and_disconnect(
    cast: Cast, world, drain_tasks
) -> None:
    (a, b), other, _first, second = world
    up = cast.gc_project
    summary = dist.summary(up, a)
    assert (summary.published, summary.total) == (0, 2)
    assert set(statuses(up, a).values()) == {dist.Status.NOT_PUBLISHED}

    revisions_publish(user=cast.sub_pm, revisions=[copy_in(cast.sub_project, a)])
    summary = dist.summary(up, a)
    assert (summary.published, summary.total) == (1, 2)
    cells = dict((c.downstream_id, cell) for c, cell in dist.revision_rows(up, a))
    mine = cells[cast.sub_project.pk]
    assert mine.status == dist.Status.PUBLISHED
    assert mine.published_by == "Bella Shaw" and mine.published_at is not None
    assert mine.received_at is not None and mine.received_at.tzinfo is not None
    assert dist.summary(up, b).published == 0

    revisions_unpublish(user=cast.sub_pm, revisions=[copy_in(cast.sub_project, a)])
    assert dist.summary(up, a).published == 0

    revisions_unpublish(user=cast.gc_pm, revisions=[a])
    settle(drain_tasks)
    assert set(statuses(up, a).values()) == {dist.Status.WITHDRAWN}
    assert set(statuses(up, b).values()) == {dist.Status.NOT_PUBLISHED}

    connection_disconnect(
        user=cast.sub_pm, side="downstream", connection=second, reason="Done", acknowledged=True
    )
    assert statuses(up, b) == {
        cast.sub_project.pk: dist.Status.NOT_PUBLISHED,
        other.pk: dist.Status.DISCONNECTED,
    }
    summary = dist.summary(up, b)
    assert (summary.published, summary.total) == (0, 1)


@pytest.mark.django_db
def test_each_downstream_lists_what_it_has_not_published_oldest_first(
    cast: Cast, world, drain_tasks
) -> None:
    (a, b), other, first, _second = world
    later = publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-300"])
    settle(drain_tasks)
    revisions_publish(user=cast.sub_pm, revisions=[copy_in(cast.sub_project, b)])
    rows = {r.connection.downstream_id: r for r in dist.downstream_rows(cast.gc_project)}
    assert rows[cast.sub_project.pk].unpublished == 2
    assert rows[other.pk].unpublished == 3
    assert rows[cast.sub_project.pk].behind_changes == 0
    listed = [r.upstream_uuid for r in dist.unpublished_of(first)]
    assert listed == [a.uuid, later[0].uuid]


@pytest.mark.django_db
def test_the_upstream_never_sees_the_downstreams_own_drawings(
    cast: Cast, world, drain_tasks
) -> None:
    (_a, _b), _other, first, _second = world
    own = upload_sheets(cast.sub_project, cast.sub_pm, ["E-001", "A-101"])
    revisions_publish(user=cast.sub_pm, revisions=own[:1])
    settle(drain_tasks)
    assert all(r.upstream_uuid is not None for r in dist.unpublished_of(first))
    assert {r.pk for r in dist.unpublished_of(first)}.isdisjoint(r.pk for r in own)
    rows = {r.connection.downstream_id: r for r in dist.downstream_rows(cast.gc_project)}
    assert rows[cast.sub_project.pk].unpublished == 2
    records = list(dist.matrix_records(cast.gc_project, dist.MatrixFilters()))
    assert not any("E-001" in line for line in records)
    assert len(records) == 1 + 2 * 2  # header, then two drawings x two downstreams


@pytest.mark.django_db
def test_the_matrix_pages_by_cursor_and_filters(cast: Cast, world, drain_tasks) -> None:
    (a, b), other, _first, _second = world
    page = dist.matrix_page(cast.gc_project, dist.MatrixFilters(), size=1)
    assert [r.drawing.pk for r in page.rows] == [a.drawing_id]
    assert len(page.rows[0].cells) == 2
    nxt = dist.matrix_page(cast.gc_project, dist.MatrixFilters(), cursor=page.next_cursor, size=1)
    assert [r.drawing.pk for r in nxt.rows] == [b.drawing_id] and nxt.next_cursor is None
    found = dist.matrix_page(cast.gc_project, dist.MatrixFilters(q="A-102"))
    assert [r.drawing.number for r in found.rows] == ["A-102"]
    revisions_publish(
        user=cast.sub_pm,
        revisions=[copy_in(cast.sub_project, a), copy_in(other, a)],
    )
    pending = dist.matrix_page(cast.gc_project, dist.MatrixFilters(pending_only=True))
    assert [r.drawing.number for r in pending.rows] == ["A-102"]


def _matrix_queries(page_as, user, project: Project) -> int:
    client = page_as(user)
    with CaptureQueriesContext(db) as ctx:
        response = client.get(f"/projects/{project.pk}/connections/distribution/matrix/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_matrix_page_asks_the_same_number_of_queries_for_more_downstreams(
    cast: Cast, world, drain_tasks, page_as
) -> None:
    before = _matrix_queries(page_as, cast.gc_pm, cast.gc_project)
    for code in ("BE-3", "BE-4", "BE-5"):
        connect(cast.sub_pm, second_downstream(cast, code), cast.gc_project)
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["S-1", "S-2", "S-3"])
    settle(drain_tasks)
    assert Connection.objects.filter(upstream=cast.gc_project).count() == 5
    assert _matrix_queries(page_as, cast.gc_pm, cast.gc_project) == before


@pytest.mark.django_db
def test_a_page_with_many_downstreams_holds_fewer_rows(cast: Cast, world, drain_tasks) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 12, numbers=[f"M-{i}" for i in range(12)])
    settle(drain_tasks)
    roomy = dist.matrix_page(cast.gc_project, dist.MatrixFilters(), max_cells=1000)
    assert len(roomy.rows) == 14 and roomy.next_cursor is None
    tight = dist.matrix_page(cast.gc_project, dist.MatrixFilters(), max_cells=20)
    assert len(tight.rows) == 10 and tight.next_cursor is not None  # two downstreams
