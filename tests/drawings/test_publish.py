"""Publishing, the current set, obsolete drawings, edits, deletes and their change sequence."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetflow.common.errors import Conflict, ServiceError
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Drawing, DrawingStatus, Revision
from sheetflow.drawings.services import (
    drawing_delete,
    drawing_update,
    revision_delete,
    revision_update,
    revisions_publish,
    revisions_unpublish,
    set_create,
)
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets

LATER = dt.date(2026, 3, 1)
EARLIER = dt.date(2025, 12, 1)


def test_publishing_makes_a_revision_the_current_one(cast: Cast) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    assert Drawing.objects.get().current_revision_id is None
    revisions_publish(user=cast.gc_pm, revisions=[revision])
    revision.refresh_from_db()
    assert revision.is_published and revision.published_by == cast.gc_pm
    assert Drawing.objects.get().current_revision_id == revision.pk


def test_the_current_revision_is_the_latest_published_one(cast: Cast) -> None:
    [first] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    [second] = publish_sheets(cast.gc_project, cast.gc_pm, 1, revision="1", drawing_date=LATER)
    assert Drawing.objects.get().current_revision_id == second.pk
    revisions_unpublish(user=cast.gc_pm, revisions=[second])
    assert Drawing.objects.get().current_revision_id == first.pk


def test_publishing_a_newer_revision_revives_an_obsolete_drawing(cast: Cast) -> None:
    [first] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drawing_update(drawing=first.drawing, status=DrawingStatus.OBSOLETE)
    [newer] = upload_sheets(
        cast.gc_project, cast.gc_pm, ["A-101"], revision="1", drawing_date=LATER
    )
    revisions_publish(user=cast.gc_pm, revisions=[newer])
    assert Drawing.objects.get().status == DrawingStatus.ACTIVE


def test_back_filling_an_older_revision_leaves_it_obsolete(cast: Cast) -> None:
    [first] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drawing_update(drawing=first.drawing, status=DrawingStatus.OBSOLETE)
    [older] = upload_sheets(
        cast.gc_project, cast.gc_pm, ["A-101"], revision="P1", drawing_date=EARLIER
    )
    revisions_publish(user=cast.gc_pm, revisions=[older])
    drawing = Drawing.objects.get()
    assert drawing.status == DrawingStatus.OBSOLETE
    assert drawing.current_revision_id == first.pk


def test_a_revision_number_repeats_only_when_set_or_a_date_differs(cast: Cast) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    with pytest.raises(Conflict) as refused:
        upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="0")
    assert refused.value.code == "revision_exists"
    addendum = set_create(project=cast.gc_project, name="Addendum 1")
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="0", drawing_set=addendum)
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="0", received_date=LATER)
    assert Revision.objects.count() == 3


def test_editing_a_revision_into_a_duplicate_is_refused(cast: Cast) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    [second] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    with pytest.raises(Conflict):
        revision_update(revision=second, revision_number="0")
    second.refresh_from_db()
    assert second.revision_number == "1"


def test_every_change_takes_a_new_sequence_number(cast: Cast) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    before = revision.change_seq
    revisions_publish(user=cast.gc_pm, revisions=[revision])
    revision.refresh_from_db()
    assert revision.change_seq > before
    revision_delete(revision=revision)
    revision.refresh_from_db()
    drawing = Drawing.objects.get()
    # Tombstones: the rows stay, marked deleted, with the newest numbers of the project.
    assert revision.deleted_at is not None and drawing.deleted_at is not None
    assert {revision.change_seq, drawing.change_seq} == {
        sequence.current_seq(cast.gc_project.pk) - 1,
        sequence.current_seq(cast.gc_project.pk),
    }


def test_deleting_a_drawing_tombstones_it_and_its_revisions(cast: Cast) -> None:
    revisions = publish_sheets(cast.gc_project, cast.gc_pm, 2)
    drawing_delete(drawing=revisions[0].drawing)
    assert Drawing.objects.filter(deleted_at__isnull=False).count() == 1
    assert Revision.objects.filter(deleted_at__isnull=False).count() == 1
    # The number is free again for a new drawing.
    upload_sheets(cast.gc_project, cast.gc_pm, [revisions[0].drawing.number])


def test_synced_fields_of_a_connected_drawing_are_read_only(cast: Cast) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    Drawing.objects.filter(pk=revision.drawing_id).update(is_synced=True)
    drawing = Drawing.objects.get()
    with pytest.raises(ServiceError) as refused:
        drawing_update(drawing=drawing, title="Renamed")
    assert refused.value.code == "synced_read_only"
    assert Drawing.objects.get().title == "SHEET A-101"
