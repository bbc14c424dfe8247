"""The distribution view keeps each downstream's business its own.

- A downstream never sees another downstream (not through the distribution, nor its own
  connection's pages and API).
- The upstream sees copies of its own revisions only: never the downstream's own drawings,
  nor copies that came from another upstream.
"""

from __future__ import annotations

import pytest

from sheetflow.accounts.services import company_create
from sheetflow.connections.services import connection_disconnect
from sheetflow.drawings.services import revisions_publish
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add, project_create
from tests.cast import Cast, person
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets, upload_sheets

DIST_PAGES = ("", "matrix/", "matrix.csv")


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def two_downstreams(cast: Cast, drain_tasks):
    delta = company_create(name="Delta Mechanical")
    dora = person(delta, "dora@delta.test", "Dora Diaz", admin=True)
    annex = project_create(company=delta, name="Secret Annex Job", code="SECRET-DA")
    member_add(project=cast.gc_project, user=dora, drawings=Level.READ_ONLY)
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    first = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    second = connect(dora, annex, cast.gc_project)
    own = upload_sheets(cast.sub_project, cast.sub_pm, ["E-OWN-1"])
    revisions_publish(user=cast.sub_pm, revisions=own)
    upload_sheets(annex, dora, ["M-OWN-2"])
    settle(drain_tasks)
    return dora, annex, first, second


@pytest.mark.django_db
def test_a_downstream_never_sees_another_downstream(
    cast: Cast, two_downstreams, page_as, api_as
) -> None:
    dora, annex, first, second = two_downstreams
    for user, mine, theirs in ((cast.sub_pm, first, annex), (dora, second, cast.sub_project)):
        api = api_as(user)
        for path in (
            f"/projects/{cast.gc_project.pk}/distribution/matrix",
            f"/projects/{cast.gc_project.pk}/distribution/downstreams",
            f"/projects/{cast.gc_project.pk}/distribution/revisions/1",
        ):
            response = api.get(path)
            assert response.status_code in (403, 404)
            assert theirs.name not in response.content.decode()
        other = second if mine is first else first
        refused = api.get(f"/connections/{other.pk}")
        assert refused.status_code in (403, 404) and theirs.name not in refused.content.decode()
        own_view = api.get(f"/connections/{mine.pk}").content.decode()
        assert theirs.name not in own_view and theirs.code not in own_view
        page = page_as(user).get(f"/projects/{mine.downstream_id}/connections/{mine.pk}/")
        assert page.status_code == 200 and theirs.name not in page.content.decode()
        for suffix in DIST_PAGES:
            response = page_as(user).get(
                f"/projects/{cast.gc_project.pk}/connections/distribution/{suffix}"
            )
            assert response.status_code in (403, 404)


@pytest.mark.django_db
def test_the_upstream_never_sees_a_downstreams_own_drawings(
    cast: Cast, two_downstreams, page_as, api_as
) -> None:
    _dora, _annex, first, second = two_downstreams
    seen = []
    for suffix in DIST_PAGES:
        url = f"/projects/{cast.gc_project.pk}/connections/distribution/{suffix}"
        seen.append(_text(page_as(cast.gc_pm).get(url)))
    for conn in (first, second):
        url = f"/projects/{cast.gc_project.pk}/connections/distribution/downstreams/{conn.pk}/"
        seen.append(_text(page_as(cast.gc_pm).get(url)))
        api_url = f"/projects/{cast.gc_project.pk}/distribution/downstreams/{conn.pk}/unpublished"
        seen.append(api_as(cast.gc_pm).get(api_url).content.decode())
    seen.append(
        api_as(cast.gc_pm)
        .get(f"/projects/{cast.gc_project.pk}/distribution/matrix")
        .content.decode()
    )
    everything = "\n".join(seen)
    assert "A-101" in everything  # the view does show the upstream's own sheets
    assert "E-OWN-1" not in everything and "M-OWN-2" not in everything


@pytest.mark.django_db
def test_copies_from_another_upstream_stay_invisible(cast: Cast, drain_tasks, page_as) -> None:
    # The subcontractor's job was connected to another upstream first, then disconnected:
    # its copies of that upstream's sheets must not show in the contractor's view.
    other_gc = project_create(company=cast.gc, name="Other GC job", code="OGC")
    member_add(project=other_gc, user=cast.sub_pm, drawings=Level.READ_ONLY)
    publish_sheets(other_gc, cast.gc_admin, 1, numbers=["X-FROM-OTHER"])
    fresh = project_create(company=cast.sub, name="Fresh job", code="BE-F")
    member_add(
        project=fresh, user=cast.sub_pm, drawings=Level.ADMIN, connection_manager=Level.ADMIN
    )
    earlier = connect(cast.sub_pm, fresh, other_gc)
    settle(drain_tasks)
    connection_disconnect(
        user=cast.sub_pm, side="downstream", connection=earlier, reason="moved", acknowledged=True
    )
    # A disconnected downstream cannot connect again, so another project shows the rule with
    # the copies of two upstreams: the contractor must see only its own in the subcontractor's.
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    body = _text(
        page_as(cast.gc_pm).get(
            f"/projects/{cast.gc_project.pk}/connections/distribution/matrix.csv"
        )
    )
    assert "A-101" in body and "X-FROM-OTHER" not in body
    other_view = _text(
        page_as(cast.gc_admin).get(f"/projects/{other_gc.pk}/connections/distribution/matrix.csv")
    )
    assert "Disconnected" in other_view and "A-101" not in other_view
