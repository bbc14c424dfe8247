"""Renderings are derived data: stored without a change number, yet every copy gets them."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone
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
    drain_tasks()  # the copy's lookup is queued for a few seconds later: not yet
    assert Revision.objects.get(pk=copy.pk).thumbnail_id is None
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=6)):
        drain_tasks()
    copy.refresh_from_db()
    revision.refresh_from_db()
    assert revision.thumbnail_id and copy.thumbnail_id == revision.thumbnail_id
    assert copy.image_id == revision.image_id


def test_a_sheet_whose_rendering_was_lost_is_rendered_by_the_sweep(
    cast: Cast, drain_tasks, settings
) -> None:
    from sheetflow.drawings.tasks import render_missing

    settings.DRAWINGS_RENDER_RETRY_SECONDS = 60
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    DBTaskResult.objects.all().delete()  # the worker that had its task died
    render_missing()
    assert not DBTaskResult.objects.exists()  # too recent: its task may still be queued
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        render_missing()
        render_missing()  # twice: a second sweep before the rendering ran is harmless
        drain_tasks()
    revision.refresh_from_db()
    assert revision.thumbnail_id and not revision.render_failed
