"""The distribution view in the API: the same numbers, paginated, the matrix by cursor."""

from __future__ import annotations

import pytest

from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish
from tests.cast import Cast
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets, upload_sheets


@pytest.fixture
def shared(cast: Cast, drain_tasks):
    revs = publish_sheets(cast.gc_project, cast.gc_pm, 3)
    conn = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    copy = Revision.objects.get(project=cast.sub_project, upstream_uuid=revs[0].uuid)
    revisions_publish(user=cast.sub_pm, revisions=[copy])
    upload_sheets(cast.sub_project, cast.sub_pm, ["E-900"])
    return revs, conn


@pytest.mark.django_db
def test_a_revisions_distribution_names_who_published_it(cast: Cast, shared, api_as) -> None:
    revs, conn = shared
    base = f"/projects/{cast.gc_project.pk}/distribution"
    body = api_as(cast.gc_pm).get(f"{base}/revisions/{revs[0].pk}").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["status"] == "published" and item["published_by"] == "Bella Shaw"
    assert item["downstream"]["id"] == cast.sub_project.pk and item["connection_id"] == conn.pk
    other = api_as(cast.gc_pm).get(f"{base}/revisions/{revs[1].pk}").json()["items"][0]
    assert other["status"] == "not_published" and other["published_at"] is None


@pytest.mark.django_db
def test_the_backlog_lists_copies_only_oldest_first(cast: Cast, shared, api_as) -> None:
    revs, conn = shared
    base = f"/projects/{cast.gc_project.pk}/distribution/downstreams"
    rows = api_as(cast.gc_pm).get(base).json()["items"]
    assert [(r["connection_id"], r["unpublished"]) for r in rows] == [(conn.pk, 2)]
    waiting = api_as(cast.gc_pm).get(f"{base}/{conn.pk}/unpublished").json()
    assert waiting["count"] == 2
    assert [i["upstream_revision_id"] for i in waiting["items"]] == [revs[1].pk, revs[2].pk]
    assert "E-900" not in str(waiting)


@pytest.mark.django_db
def test_the_matrix_walks_by_cursor(cast: Cast, shared, api_as) -> None:
    url = f"/projects/{cast.gc_project.pk}/distribution/matrix"
    api = api_as(cast.gc_pm)
    first = api.get(url, {"limit": 2}).json()
    assert [d["connection_id"] for d in first["downstreams"]] == [shared[1].pk]
    assert [r["number"] for r in first["rows"]] == ["A-101", "A-102"]
    assert first["rows"][0]["cells"][0]["status"] == "published"
    rest = api.get(url, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [r["number"] for r in rest["rows"]] == ["A-103"] and rest["next_cursor"] is None
    bad = api.get(url, {"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_only_upstream_connection_admins_read_the_distribution(cast: Cast, shared, api_as) -> None:
    url = f"/projects/{cast.gc_project.pk}/distribution/matrix"
    assert api_as(cast.gc_admin).get(url).status_code == 200
    assert api_as(cast.gc_reader).get(url).status_code == 403
    assert api_as(cast.sub_pm).get(url).status_code == 403
    assert api_as(cast.outsider).get(url).status_code == 404
    # The downstream asks about its own project: it has no downstreams, so nothing shows.
    mine = api_as(cast.sub_pm).get(f"/projects/{cast.sub_project.pk}/distribution/downstreams")
    assert mine.status_code == 200 and mine.json()["count"] == 0
