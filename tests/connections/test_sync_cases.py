"""The sync engine, case by case: what an upstream change does to a connected downstream."""

from __future__ import annotations

import datetime as dt

import pytest

from sheetflow.common.errors import ServiceError
from sheetflow.connections.models import State, SyncRun
from sheetflow.connections.services import connection_disconnect, connection_undo
from sheetflow.drawings.models import Area, Drawing, DrawingSet, Revision
from sheetflow.drawings.services import (
    area_update,
    drawing_delete,
    drawing_update,
    revision_delete,
    revision_update,
    revisions_publish,
    revisions_unpublish,
    set_create,
    set_update,
)
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, sync
from tests.drawings.factories import publish_sheets, upload_sheets


@pytest.fixture
def linked(cast: Cast):
    """gc_project has three published sheets and one unpublished; sub_project is connected."""
    ifc = set_create(project=cast.gc_project, name="IFC", date=dt.date(2026, 1, 10))
    publish_sheets(cast.gc_project, cast.gc_pm, 3, drawing_set=ifc)
    upload_sheets(cast.gc_project, cast.gc_pm, ["S-201"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    assert connection.state == State.CONNECTED
    sync(connection)
    return connection


def copy_of(cast: Cast, revision: Revision) -> Revision:
    return Revision.objects.get(project=cast.sub_project, upstream_uuid=revision.uuid)


@pytest.mark.django_db
def test_the_initial_copy_brings_every_published_revision_unpublished_with_provenance(
    cast: Cast, linked
) -> None:
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    assert len(copies_in(cast.sub_project)) == 3
    copies = Revision.objects.filter(project=cast.sub_project)
    assert all(not r.is_published for r in copies)
    drawing = Drawing.objects.get(project=cast.sub_project, number="A-101")
    assert drawing.is_synced and drawing.upstream_company_name == "Apex Builders"
    assert drawing.upstream_project_name == "Riverside Medical Center"
    assert drawing.latest_revision_id is not None and drawing.current_revision_id is None
    linked.refresh_from_db()
    assert (linked.initial_total, linked.initial_copied) == (3, 3)
    assert linked.initial_done_at is not None
    assert SyncRun.objects.filter(connection=linked, kind="initial", ok=True).exists()


@pytest.mark.django_db
def test_files_are_referenced_not_copied(cast: Cast, linked) -> None:
    upstream = Revision.objects.filter(project=cast.gc_project, is_published=True)
    for revision in upstream:
        assert copy_of(cast, revision).sheet_id == revision.sheet_id


@pytest.mark.django_db
def test_a_new_drawing_and_a_new_revision_arrive(cast: Cast, linked) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["E-501"])
    publish_sheets(
        cast.gc_project,
        cast.gc_pm,
        1,
        numbers=["A-101"],
        revision="1",
        drawing_date=dt.date(2026, 2, 1),
    )
    result = sync(linked)
    assert result.created == 2
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    a101 = Drawing.objects.get(project=cast.sub_project, number="A-101")
    assert a101.revisions.count() == 2
    assert a101.latest_revision.revision_number == "1"


@pytest.mark.django_db
def test_metadata_edits_and_set_and_area_renames_propagate(cast: Cast, linked) -> None:
    drawing = Drawing.objects.get(project=cast.gc_project, number="A-102")
    drawing_update(drawing=drawing, title="Level 2 Floor Plan", status="obsolete")
    revision = Revision.objects.get(drawing=drawing)
    revision_update(revision=revision, revision_status="For Construction")
    set_update(
        drawing_set=DrawingSet.objects.get(project=cast.gc_project, name="IFC"), name="IFC r2"
    )
    area_update(area=drawing.area, name="Building A")
    sync(linked)
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    copy = copy_of(cast, revision)
    assert copy.drawing.title == "Level 2 Floor Plan" and copy.drawing.status == "obsolete"
    assert copy.revision_status == "For Construction"
    assert copy.drawing_set.name == "IFC r2" and copy.drawing.area.name == "Building A"
    # Renames are matched by upstream identity: no second connected set or area appears.
    assert DrawingSet.objects.filter(project=cast.sub_project).count() == 1
    assert Area.objects.filter(project=cast.sub_project, upstream_uuid__isnull=False).count() == 1


@pytest.mark.django_db
def test_an_edit_after_the_downstream_published_the_copy_still_propagates(
    cast: Cast, linked
) -> None:
    revision = Revision.objects.filter(project=cast.gc_project, is_published=True).first()
    copy = copy_of(cast, revision)
    revisions_publish(user=cast.sub_pm, revisions=[copy])
    drawing_update(drawing=revision.drawing, title="Renamed upstream")
    sync(linked)
    copy.refresh_from_db()
    assert copy.is_published and copy.drawing.title == "Renamed upstream"


@pytest.mark.django_db
def test_unpublish_and_delete_upstream_flag_the_copy_withdrawn_and_republish_clears_it(
    cast: Cast, linked
) -> None:
    first, second = Revision.objects.filter(project=cast.gc_project, is_published=True)[:2]
    revisions_unpublish(user=cast.gc_pm, revisions=[first])
    revision_delete(revision=second)
    sync(linked)
    assert copy_of(cast, first).withdrawn_upstream_at is not None
    assert copy_of(cast, second).withdrawn_upstream_at is not None
    assert Revision.objects.filter(project=cast.sub_project).count() == 3  # nothing deleted
    revisions_publish(user=cast.gc_pm, revisions=[Revision.objects.get(pk=first.pk)])
    sync(linked)
    assert copy_of(cast, first).withdrawn_upstream_at is None
    assert copy_of(cast, second).withdrawn_upstream_at is not None


@pytest.mark.django_db
def test_deleting_a_whole_drawing_upstream_withdraws_its_copies(cast: Cast, linked) -> None:
    drawing = Drawing.objects.get(project=cast.gc_project, number="A-103")
    drawing_delete(drawing=drawing)
    sync(linked)
    copy = Revision.objects.get(project=cast.sub_project, drawing__number="A-103")
    assert copy.withdrawn_upstream_at is not None


@pytest.mark.django_db
def test_unpublished_upstream_revisions_are_never_copied(cast: Cast, linked) -> None:
    assert not Drawing.objects.filter(project=cast.sub_project, number="S-201").exists()


@pytest.mark.django_db
def test_replaying_an_applied_window_changes_nothing(cast: Cast, linked) -> None:
    before = copies_in(cast.sub_project)
    counts = (Drawing.objects.count(), Revision.objects.count(), Area.objects.count())
    linked.synced_seq = 0
    linked.save(update_fields=["synced_seq"])
    result = sync(linked)
    assert result.created == 0
    assert copies_in(cast.sub_project) == before
    assert (Drawing.objects.count(), Revision.objects.count(), Area.objects.count()) == counts


@pytest.mark.django_db
def test_synced_fields_are_read_only_downstream_while_connected(cast: Cast, linked) -> None:
    drawing = Drawing.objects.get(project=cast.sub_project, number="A-101")
    with pytest.raises(ServiceError) as refused:
        drawing_update(drawing=drawing, title="Mine now")
    assert refused.value.code == "synced_read_only"


@pytest.mark.django_db
def test_the_downstreams_own_drawings_are_never_merged_with_connected_ones(cast: Cast) -> None:
    own = publish_sheets(cast.sub_project, cast.sub_pm, 1, numbers=["A-101"])[0]
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["A-101"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    drawings = Drawing.objects.filter(project=cast.sub_project, number="A-101")
    assert drawings.count() == 2
    assert {d.upstream_uuid is None for d in drawings} == {True, False}
    own.refresh_from_db()
    assert own.drawing.upstream_uuid is None and own.is_published


@pytest.mark.django_db
def test_after_disconnect_upstream_changes_do_not_arrive_and_copies_become_editable(
    cast: Cast, linked
) -> None:
    connection_disconnect(
        user=cast.sub_pm,
        side="downstream",
        connection=linked,
        reason="Contract ended",
        acknowledged=True,
    )
    drawing = Drawing.objects.get(project=cast.gc_project, number="A-101")
    drawing_update(drawing=drawing, title="Changed after disconnect")
    publish_sheets(cast.gc_project, cast.gc_pm, 1, numbers=["M-601"])
    sync(linked)
    copy = Drawing.objects.get(project=cast.sub_project, number="A-101")
    assert copy.title != "Changed after disconnect"
    assert not Drawing.objects.filter(project=cast.sub_project, number="M-601").exists()
    assert not copy.is_synced and copy.upstream_uuid is not None
    drawing_update(drawing=copy, title="Ours now")
    assert Drawing.objects.get(pk=copy.pk).title == "Ours now"


@pytest.mark.django_db
def test_undo_removes_unpublished_copies_and_keeps_published_ones(cast: Cast, linked) -> None:
    kept = Revision.objects.filter(project=cast.sub_project).first()
    revisions_publish(user=cast.sub_pm, revisions=[kept])
    connection_undo(user=cast.sub_pm, side="downstream", connection=linked)
    assert list(Revision.objects.filter(project=cast.sub_project)) == [kept]
    assert Drawing.objects.filter(project=cast.sub_project).count() == 1
    drawing = Drawing.objects.get(project=cast.sub_project)
    assert not drawing.is_synced and drawing.current_revision_id == kept.pk


@pytest.mark.django_db
def test_moving_a_drawing_to_another_area_and_a_revision_to_another_set_propagates(
    cast: Cast, linked
) -> None:
    from sheetflow.drawings.services import area_create

    east = area_create(project=cast.gc_project, name="East wing")
    addendum = set_create(project=cast.gc_project, name="Addendum 1")
    drawing = Drawing.objects.get(project=cast.gc_project, number="A-101")
    drawing_update(drawing=drawing, area=east)
    revision = Revision.objects.get(drawing=drawing)
    revision_update(revision=revision, drawing_set=addendum)
    sync(linked)
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    copy = copy_of(cast, revision)
    assert copy.drawing.area.name == "East wing" and copy.drawing.area.upstream_uuid == east.uuid
    assert copy.drawing_set.upstream_uuid == addendum.uuid
