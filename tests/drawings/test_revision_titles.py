"""Each revision keeps its own title; uploads without an area go to the default area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from sheetflow.drawings import selectors
from sheetflow.drawings.models import Area, Drawing, Revision
from sheetflow.drawings.services import (
    SheetEdit,
    area_create,
    revision_update,
    revisions_publish,
    upload_confirm,
    upload_create,
)
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import DATE, as_upload, sheet_pdf


def _upload(cast: Cast, number: str, title: str, revision: str) -> list[Revision]:
    upload = upload_create(
        project=cast.gc_project,
        user=cast.gc_pm,
        files=[as_upload(sheet_pdf([number], revision=revision))],
        area=selectors.default_area(project=cast.gc_project),  # type: ignore[arg-type]
        drawing_set=None,
        drawing_date=DATE,
        received_date=DATE,
        revision_number=revision,
    )
    return upload_confirm(upload=upload, user=cast.gc_pm, edits=[SheetEdit(index=0, title=title)])


def test_a_new_revision_with_a_corrected_title_renames_the_drawing_and_history_keeps_both(
    cast: Cast,
) -> None:
    [first] = _upload(cast, "A-101", "Ground Floor Plan", "0")
    revisions_publish(user=cast.gc_pm, revisions=[first])
    [second] = _upload(cast, "A-101", "Level 1 Plan", "1")
    drawing = Drawing.objects.get(number="A-101")
    # Until the new revision is published the log shows the current one's title.
    assert drawing.title == "Ground Floor Plan"
    revisions_publish(user=cast.gc_pm, revisions=[Revision.objects.get(pk=second.pk)])
    drawing.refresh_from_db()
    assert drawing.title == "Level 1 Plan"
    assert sorted(Revision.objects.filter(drawing=drawing).values_list("title", flat=True)) == [
        "Ground Floor Plan",
        "Level 1 Plan",
    ]


def test_the_history_and_the_api_show_each_revisions_title(
    cast: Cast, api_as: Callable[..., Any], page_as: Callable[..., Any]
) -> None:
    [first] = _upload(cast, "S-101", "Foundations", "0")
    [second] = _upload(cast, "S-101", "Foundation Plan", "1")
    revisions_publish(user=cast.gc_pm, revisions=[first, second])
    pid = cast.gc_project.pk
    drawing = Drawing.objects.get(number="S-101")
    items = api_as(cast.gc_pm).get(f"/projects/{pid}/drawings").json()["items"]
    assert items[0]["title"] == "Foundation Plan"
    assert items[0]["current_revision"]["title"] == "Foundation Plan"
    renamed = api_as(cast.gc_pm).patch(
        f"/projects/{pid}/revisions/{first.pk}", {"title": "Foundations (old)"}
    )
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["title"] == "Foundations (old)"
    page = page_as(cast.gc_pm).get(reverse("drawings:drawing", args=[pid, drawing.pk]))
    html = page.content.decode()
    assert "Foundations (old)" in html and "Foundation Plan" in html
    drawing.refresh_from_db()
    assert drawing.title == "Foundation Plan"  # the current revision's, not the older one


def test_the_default_area_does_not_change_when_an_area_is_added_first(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    original = selectors.default_area(project=cast.gc_project)
    assert original is not None
    added = area_create(project=cast.gc_project, name="Annex")
    # The new area sorts first in the list, and still is not the default.
    assert selectors.areas(project=cast.gc_project).first() == added
    assert selectors.default_area(project=cast.gc_project) == original
    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/uploads",
        {"files": [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))], "confirm": "true"},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 200, response.json()
    assert Drawing.objects.get(number="A-101").area_id == original.pk
    assert not Drawing.objects.filter(area=Area.objects.get(name="Annex")).exists()


def test_the_sync_engine_copies_each_revisions_title(cast: Cast) -> None:
    [first] = _upload(cast, "A-301", "Sections", "0")
    revisions_publish(user=cast.gc_pm, revisions=[first])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    copy = Revision.objects.get(project=cast.sub_project, upstream_uuid=first.uuid)
    assert copy.title == "Sections"
    revision_update(revision=Revision.objects.get(pk=first.pk), title="Building Sections")
    sync(connection)
    copy.refresh_from_db()
    assert copy.title == "Building Sections"
    assert Drawing.objects.get(project=cast.sub_project, number="A-301").title == (
        "Building Sections"
    )
