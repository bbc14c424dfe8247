"""Renderings are derived data: stored without a change number, yet every copy gets them."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from sheetflow.drawings import sequence
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import revisions_publish
from sheetflow.drawings.services.rendering import revision_render
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, settle, sync
from tests.drawings.factories import upload_sheets


def test_rendering_a_sheet_takes_no_change_number(cast: Cast) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    before = sequence.current_seq(cast.gc_project.pk)
    revision_render(revision_id=revision.pk)
    revision.refresh_from_db()
    assert revision.thumbnail_id and revision.image_id
    assert sequence.current_seq(cast.gc_project.pk) == before


def test_copies_made_before_the_upstream_rendering_get_the_same_thumbnail(
    cast: Cast, drain_tasks
) -> None:
    revisions = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101", "A-102"])
    revisions_publish(user=cast.gc_pm, revisions=revisions)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)  # before any rendering ran
    copies = Revision.objects.filter(project=cast.sub_project)
    assert copies.count() == 2 and not copies.filter(thumbnail__isnull=False).exists()
    settle(drain_tasks)
    assert not Revision.objects.filter(thumbnail__isnull=True).exists()
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)


def test_a_copy_made_while_the_upstream_rendering_ran_still_gets_it(
    cast: Cast, drain_tasks
) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    revisions_publish(user=cast.gc_pm, revisions=[revision])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)  # the copy has no thumbnail yet, so the window queues its rendering
    copy = Revision.objects.get(project=cast.sub_project)
    queued = DBTaskResult.objects.filter(task_path="sheetflow.drawings.tasks.render_revisions")
    assert [r.args_kwargs["args"] for r in queued] == [[[copy.pk]]]
    # The upstream rendering commits without seeing the copy (it was not committed yet):
    revision_render(revision_id=revision.pk)
    Revision.objects.filter(pk=copy.pk).update(thumbnail=None, image=None)
    drain_tasks()
    copy.refresh_from_db()
    revision.refresh_from_db()
    assert revision.thumbnail_id and copy.thumbnail_id == revision.thumbnail_id
    assert copy.image_id == revision.image_id
