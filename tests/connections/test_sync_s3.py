"""A sync end to end with the blob store in a real S3-protocol server: copies share objects."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from sheetflow.drawings.models import Revision
from tests.blobstore import Bucket
from tests.cast import Cast
from tests.connections.sync_helpers import connect, copies_in, published_upstream, settle
from tests.drawings.test_api import pdf_file, upload


@pytest.mark.django_db
def test_copies_in_a_downstream_read_the_upstream_objects_from_the_bucket(
    cast: Cast, s3_bucket: Bucket, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    gc = api_as(cast.gc_pm)
    made = upload(gc, cast.gc_project.pk, [pdf_file(["A-101", "A-102"])], confirm="true").json()
    drain_tasks()  # renderings into the bucket
    ids = [r["id"] for r in made]
    assert gc.post(f"/projects/{cast.gc_project.pk}/revisions/publish", {"revision_ids": ids})
    objects = s3_bucket.object_keys()
    assert len(objects) == 6  # two sheets, each with a thumbnail and an image
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    settle(drain_tasks)
    assert copies_in(cast.sub_project) == published_upstream(cast.gc_project)
    assert s3_bucket.object_keys() == objects  # the copies wrote no bytes of their own
    connection.refresh_from_db()
    assert connection.initial_copied == 2

    sub = api_as(cast.sub_pm)
    copies = Revision.objects.filter(project=cast.sub_project).order_by("pk")
    for copy in copies:
        sheet = sub.get(f"/projects/{cast.sub_project.pk}/revisions/{copy.pk}/sheet")
        data = b"".join(sheet.streaming_content)
        assert hashlib.sha256(data).hexdigest() == copy.sheet_id
        assert data == s3_bucket.read(
            f"blobs/{copy.sheet_id[:2]}/{copy.sheet_id[2:4]}/{copy.sheet_id}"
        )
        thumb = sub.get(f"/projects/{cast.sub_project.pk}/revisions/{copy.pk}/thumbnail")
        assert b"".join(thumb.streaming_content).startswith(b"\x89PNG")

    # Nothing is unreferenced, so a purge deletes no object.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        call_command("purge_blobs", stdout=StringIO())
    assert s3_bucket.object_keys() == objects
