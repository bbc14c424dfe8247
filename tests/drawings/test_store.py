"""Blobs purged when unreferenced, the change signal, and connected rows kept apart.

Every test here runs twice: with the local folder and with a real S3-protocol server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheetflow.drawings.models import Area, Blob, Drawing, Revision
from sheetflow.drawings.services import drawing_delete, upload_discard
from sheetflow.drawings.signals import drawings_changed
from sheetflow.projects.services import project_create
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, sheet_pdf, upload_sheets
from tests.drawings.test_api import pdf_file, upload

pytestmark = pytest.mark.usefixtures("blob_store")


def stored_paths(folder: str = "blobs") -> list[str]:
    """Every file the blob store holds, read through the storage (a folder or a bucket)."""
    folders, files = default_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for sub in folders:
        found += stored_paths(f"{folder}/{sub}")
    return sorted(found)


def test_purge_deletes_only_blobs_nothing_references(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    [kept] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drain_tasks()
    kept.refresh_from_db()
    api = api_as(cast.gc_pm)
    pending = upload(api, cast.gc_project.pk, [pdf_file(["Z-1"])]).json()
    discarded = upload(api, cast.gc_project.pk, [pdf_file(["Z-2"])]).json()
    from sheetflow.drawings.models import Upload

    upload_discard(upload=Upload.objects.get(uuid=discarded["uuid"]))
    orphan = Blob.objects.exclude(pk__in=[kept.sheet_id, kept.thumbnail_id, kept.image_id]).exclude(
        pk__in=Upload.objects.get(uuid=pending["uuid"]).sheets.values("sheet_id")
    )
    [orphan_sha] = orphan.values_list("pk", flat=True)
    out = StringIO()
    call_command("purge_blobs", stdout=out)
    assert "Deleted 0" in out.getvalue()  # too young: its write may not have committed yet
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        call_command("purge_blobs", stdout=out)
    assert "Deleted 1" in out.getvalue()
    assert not Blob.objects.filter(pk=orphan_sha).exists()
    assert not default_storage.exists(f"blobs/{orphan_sha[:2]}/{orphan_sha[2:4]}/{orphan_sha}")
    assert default_storage.exists(Blob.objects.get(pk=kept.sheet_id).path)
    assert Blob.objects.count() == 4  # the kept sheet, its two renderings, the pending sheet


def test_tombstoned_revisions_keep_their_blobs(cast: Cast) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drawing_delete(drawing=revision.drawing)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        call_command("purge_blobs", stdout=StringIO())
    assert Blob.objects.filter(pk=revision.sheet_id).exists()


def test_drawings_changed_is_sent_once_per_transaction_after_commit(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[int] = []

    def listener(sender: Any, project_id: int, **kwargs: Any) -> None:
        received.append(project_id)

    drawings_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            project = project_create(company=cast.gc, name="Annex", code="ANX")
            upload_sheets(project, cast.gc_pm, ["A-101", "A-102"])
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert received == [project.pk]  # one wake-up for the whole transaction
    finally:
        drawings_changed.disconnect(listener)


def test_a_connected_copy_never_merges_with_an_own_drawing_of_the_same_number(
    cast: Cast,
) -> None:
    [own] = publish_sheets(cast.sub_project, cast.sub_pm, 1)
    area = Area.objects.get(project=cast.sub_project)
    # What the sync engine writes: a copy with its upstream uuid, the same blob, same number.
    copy = Drawing.objects.create(
        project=cast.sub_project, area=area, number=own.drawing.number, upstream_uuid=uuid.uuid4()
    )
    Revision.objects.create(
        project=cast.sub_project, drawing=copy, revision_number="0", sheet_id=own.sheet_id,
        drawing_date=own.drawing_date, received_date=own.received_date,
        upstream_uuid=uuid.uuid4(),
    )  # fmt: skip
    [again] = upload_sheets(cast.sub_project, cast.sub_pm, [own.drawing.number], revision="1")
    assert again.drawing_id == own.drawing_id  # own uploads attach to the own drawing


def test_the_log_api_does_a_constant_number_of_queries(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    api = api_as(cast.gc_pm)
    url = f"/projects/{cast.gc_project.pk}/drawings"
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    api.get(url)  # the first call of a token also records its use
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).json()["count"] == 1
    publish_sheets(cast.gc_project, cast.gc_pm, 10, numbers=[f"S-{i}" for i in range(10)])
    upload_sheets(cast.gc_project, cast.gc_pm, ["M-1", "M-2", "M-3"])
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).json()["count"] == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_sheet_bytes_are_written_under_their_hash(cast: Cast) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    blob = Blob.objects.get(pk=revision.sheet_id)
    with default_storage.open(blob.path, "rb") as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == blob.sha256
    assert blob.path == f"blobs/{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    assert len(data) < len(sheet_pdf(["A-101"])) * 2


def test_an_upload_its_renderings_and_its_downloads_go_through_the_store(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    body = upload(api, pid, [pdf_file(["A-101"])], confirm="true").json()
    drain_tasks()  # renders the thumbnail and the image into the store
    revision = Revision.objects.get(pk=body[0]["id"])
    blobs = [revision.sheet, revision.thumbnail, revision.image]
    assert all(blobs)
    assert stored_paths() == sorted(b.path for b in blobs if b is not None)
    for kind, blob in zip(("sheet", "thumbnail", "image"), blobs, strict=True):
        assert blob is not None
        response = api.get(f"/projects/{pid}/revisions/{revision.pk}/{kind}")
        data = b"".join(response.streaming_content)
        assert response.status_code == 200 and response["Content-Type"] == blob.content_type
        assert hashlib.sha256(data).hexdigest() == blob.sha256
        assert int(response["Content-Length"]) == len(data) == blob.size
        assert response["ETag"] == f'"{blob.sha256}"'
    assert data.startswith(b"\x89PNG")
    page = api.client.get(f"/projects/{pid}/drawings/revisions/{revision.pk}/sheet/")
    assert page.status_code == 302  # pages want a session, not a token
    client = api.client
    client.force_login(cast.gc_pm)
    page = client.get(f"/projects/{pid}/drawings/revisions/{revision.pk}/sheet/")
    assert page.status_code == 200
    assert b"".join(page.streaming_content).startswith(b"%PDF")
    assert "attachment" in page["Content-Disposition"]


def test_identical_sheets_are_stored_once_and_a_copy_elsewhere_shares_them(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    from sheetflow.drawings.models import Upload

    pending = upload(api_as(cast.gc_pm), cast.gc_project.pk, [pdf_file(["A-101"])]).json()
    stored = stored_paths()
    # The same bytes uploaded again, in another project of another company.
    [again] = upload_sheets(cast.sub_project, cast.sub_pm, ["A-101"])
    assert stored_paths() == stored  # nothing new written
    assert [again.sheet_id] == [p.rsplit("/", 1)[1] for p in stored]
    # The first project drops its upload: the bytes the other project references stay.
    upload_discard(upload=Upload.objects.get(uuid=pending["uuid"]))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        out = StringIO()
        call_command("purge_blobs", stdout=out)
    assert "Deleted 0" in out.getvalue()
    assert stored_paths() == stored
    with default_storage.open(Blob.objects.get(pk=again.sheet_id).path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == again.sheet_id
