"""The distribution pages and CSV: who may open them, and what they show."""

from __future__ import annotations

import pytest

from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish
from tests.cast import Cast
from tests.connections.sync_helpers import connect, settle
from tests.drawings.factories import publish_sheets, upload_sheets


@pytest.fixture
def shared(cast: Cast, drain_tasks) -> list[Revision]:
    revs = publish_sheets(cast.gc_project, cast.gc_pm, 2)
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    copy = Revision.objects.get(project=cast.sub_project, upstream_uuid=revs[0].uuid)
    revisions_publish(user=cast.sub_pm, revisions=[copy])
    return revs


def urls(cast: Cast, revision: Revision) -> list[str]:
    base = f"/projects/{cast.gc_project.pk}/connections/distribution/"
    return [base, f"{base}matrix/", f"{base}matrix.csv", f"{base}revisions/{revision.pk}/"]


@pytest.mark.django_db
def test_the_revision_page_shows_how_many_downstreams_published_it(
    cast: Cast, shared, page_as
) -> None:
    page = page_as(cast.gc_pm).get(
        f"/projects/{cast.gc_project.pk}/drawings/revisions/{shared[0].pk}/"
    )
    assert "Distribution: 1 of 1 published" in page.content.decode()
    reader = page_as(cast.gc_reader).get(
        f"/projects/{cast.gc_project.pk}/drawings/revisions/{shared[0].pk}/"
    )
    assert reader.status_code == 200 and "Distribution:" not in reader.content.decode()


@pytest.mark.django_db
def test_upstream_admins_open_every_page_and_others_are_refused(
    cast: Cast, shared, page_as
) -> None:
    for url in urls(cast, shared[0]):
        assert page_as(cast.gc_pm).get(url).status_code == 200, url
        assert page_as(cast.gc_admin).get(url).status_code == 200, url
        assert page_as(cast.gc_reader).get(url).status_code == 403, url
        assert page_as(cast.sub_pm).get(url).status_code == 403, url
        assert page_as(cast.outsider).get(url).status_code == 404, url


@pytest.mark.django_db
def test_the_csv_lists_each_drawing_for_each_downstream(cast: Cast, shared, page_as) -> None:
    response = page_as(cast.gc_pm).get(urls(cast, shared[0])[2])
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("Drawing,Title,Revision,Downstream company")
    assert len(lines) == 3
    assert any(line.startswith("A-101,") and ",Published," in line for line in lines)
    assert any(line.startswith("A-102,") and ",Not published," in line for line in lines)


@pytest.mark.django_db
def test_the_downstream_page_lists_waiting_copies_not_the_downstreams_own(
    cast: Cast, shared, page_as
) -> None:
    upload_sheets(cast.sub_project, cast.sub_pm, ["E-777"])
    conn = cast.sub_project.upstream_connections.get()
    url = f"/projects/{cast.gc_project.pk}/connections/distribution/downstreams/{conn.pk}/"
    body = page_as(cast.gc_pm).get(url).content.decode()
    assert "A-102" in body and "E-777" not in body and "A-101" not in body
