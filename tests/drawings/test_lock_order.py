"""One lock order: bulk publishes while thumbnails render never deadlock, and nothing is lost."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.drawings.models import Revision
from tests.cast import Cast
from tests.drawings.factories import upload_sheets
from tests.worker_processes import start_worker, stop


def _sheets() -> int:
    # The deadlock needs PostgreSQL's row locks; SQLite queues writers at BEGIN, where the
    # same flow still checks that no answer is a 5xx and no thumbnail goes missing.
    return 500 if connection.vendor == "postgresql" else 150


@pytest.mark.django_db(transaction=True)
def test_bulk_publishes_during_renderings_answer_200_and_every_sheet_gets_its_thumbnail(
    cast: Cast, api_as
) -> None:
    count = _sheets()
    revisions = upload_sheets(
        cast.gc_project, cast.gc_pm, [f"A-{i:03d}" for i in range(count)]
    )  # each sheet's rendering is queued now
    ids = [r.pk for r in revisions]
    api = api_as(cast.gc_pm)
    base = f"/projects/{cast.gc_project.pk}/revisions"
    small = {"DRAWINGS_THUMBNAIL_WIDTH": "120", "DRAWINGS_IMAGE_WIDTH": "240"}
    workers = [start_worker(**small), start_worker(**small)]
    statuses = []
    try:
        # Publish and unpublish the whole set over and over while both workers render.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for verb in ("publish", "unpublish"):
                statuses.append(api.post(f"{base}/{verb}", {"revision_ids": ids}).status_code)
            rendered = Revision.objects.filter(pk__in=ids, thumbnail__isnull=False).count()
            if rendered == count and len(statuses) >= 6:
                break
        statuses.append(api.post(f"{base}/publish", {"revision_ids": ids}).status_code)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (
            Revision.objects.filter(pk__in=ids, thumbnail__isnull=True).exists()
        ):
            time.sleep(0.2)
    finally:
        for worker in workers:
            stop(worker)
    assert set(statuses) == {200}, statuses
    assert len(statuses) >= 7
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()
    missing = Revision.objects.filter(pk__in=ids).filter(thumbnail__isnull=True)
    assert list(missing.values_list("pk", flat=True)) == []
    assert not Revision.objects.filter(pk__in=ids, render_failed=True).exists()
    assert Revision.objects.filter(pk__in=ids, is_published=True).count() == count
