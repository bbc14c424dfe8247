"""The drawings API: upload with review, publish, the log, history, files, catalog."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT

from sheetflow.drawings.models import Area, Revision
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, sheet_pdf, upload_sheets


def pdf_file(numbers: list[str], name: str = "set.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sheet_pdf(numbers), content_type="application/pdf")


def upload(api: Any, project_id: int, files: list[Any], **form: Any) -> Any:
    return api.post(
        f"/projects/{project_id}/uploads",
        {"files": files, **form},
        content_type=MULTIPART_CONTENT,  # the same object: the client checks identity
    )


def test_an_admin_uploads_reviews_and_publishes_through_the_api(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    created = upload(api, pid, [pdf_file(["A-101", "A-102"])], new_set_name="IFC")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [s["number"] for s in body["sheets"]] == ["A-101", "A-102"]
    assert body["drawing_set"]["name"] == "IFC"
    confirmed = api.post(
        f"/projects/{pid}/uploads/{body['uuid']}/confirm",
        {"sheets": [{"index": 1, "number": "A-201", "title": "Roof Plan"}]},
    )
    assert confirmed.status_code == 201, confirmed.json()
    ids = [r["id"] for r in confirmed.json()]
    drain_tasks()
    published = api.post(f"/projects/{pid}/revisions/publish", {"revision_ids": ids})
    assert published.json()["count"] == 2 and published.json()["skipped"] == []
    log = api.get(f"/projects/{pid}/drawings").json()
    assert [(d["number"], d["title"]) for d in log["items"]] == [
        ("A-101", "SHEET A-101"),
        ("A-201", "Roof Plan"),
    ]
    thumbnail = log["items"][0]["current_revision"]["thumbnail_url"]
    response = api.get(thumbnail)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    sheet = api.get(log["items"][0]["current_revision"]["sheet_url"])
    assert b"".join(sheet.streaming_content).startswith(b"%PDF")


def test_upload_with_confirm_creates_revisions_in_one_request(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    response = upload(
        api_as(cast.gc_pm),
        cast.gc_project.pk,
        [pdf_file(["S-101"])],
        confirm="true",
        revision_number="2",
        sheets=json.dumps([{"index": 0, "title": "Foundation Plan"}]),
    )
    assert response.status_code == 200, response.json()
    [revision] = response.json()
    assert revision["revision_number"] == "2"
    assert Revision.objects.get().drawing.title == "Foundation Plan"


def test_readers_see_published_revisions_only(cast: Cast, api_as: Callable[..., Any]) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-900"])
    pid = cast.gc_project.pk
    reader_log = api_as(cast.gc_reader).get(f"/projects/{pid}/drawings").json()
    admin_log = api_as(cast.gc_pm).get(f"/projects/{pid}/drawings").json()
    assert [d["number"] for d in reader_log["items"]] == ["A-101"]
    assert [d["number"] for d in admin_log["items"]] == ["A-101", "A-900"]
    pending = api_as(cast.gc_pm).get(f"/projects/{pid}/drawings", {"published": "unpublished"})
    assert [d["number"] for d in pending.json()["items"]] == ["A-900"]
    # A published drawing with a newer unpublished revision is pending too.
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    pending = api_as(cast.gc_pm).get(f"/projects/{pid}/drawings", {"published": "unpublished"})
    assert [d["number"] for d in pending.json()["items"]] == ["A-101", "A-900"]
    assert pending.json()["items"][0]["current_revision"]["revision_number"] == "0"
    assert pending.json()["items"][0]["latest_revision"]["revision_number"] == "1"
    hidden = Revision.objects.get(drawing__number="A-900")
    assert api_as(cast.gc_reader).get(f"/projects/{pid}/revisions/{hidden.pk}").status_code == 404


def test_readers_cannot_upload_or_publish_and_outsiders_see_nothing(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    [revision] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"])
    pid = cast.gc_project.pk
    reader = api_as(cast.gc_reader)
    assert upload(reader, pid, [pdf_file(["A-1"])]).status_code == 403
    publish = reader.post(f"/projects/{pid}/revisions/publish", {"revision_ids": [revision.pk]})
    assert publish.status_code == 403
    assert api_as(cast.outsider).get(f"/projects/{pid}/drawings").status_code == 404


def test_the_log_filters_by_discipline_area_and_source(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["A-101", "S-101", "E-101"])
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    structural = api.get(f"/projects/{pid}/drawings", {"discipline": "Structural"}).json()
    assert [d["number"] for d in structural["items"]] == ["S-101"]
    area = Area.objects.get(project=cast.gc_project)
    in_area = api.get(f"/projects/{pid}/drawings", {"area_id": area.pk}).json()
    assert in_area["count"] == 3
    assert api.get(f"/projects/{pid}/drawings", {"source": "connected"}).json()["count"] == 0
    by_title = api.get(f"/projects/{pid}/drawings", {"sort": "-number"}).json()
    assert [d["number"] for d in by_title["items"]] == ["S-101", "E-101", "A-101"]


def test_history_edit_and_delete(cast: Cast, api_as: Callable[..., Any]) -> None:
    [first] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    history = api.get(f"/projects/{pid}/drawings/{first.drawing_id}/revisions").json()
    assert [r["revision_number"] for r in history["items"]] == ["1", "0"]
    edited = api.patch(f"/projects/{pid}/drawings/{first.drawing_id}", {"title": "Level 1"})
    assert edited.json()["title"] == "Level 1"
    patched = api.patch(f"/projects/{pid}/revisions/{first.pk}", {"revision_status": "IFC"})
    assert patched.json()["revision_status"] == "IFC"
    assert api.delete(f"/projects/{pid}/drawings/{first.drawing_id}").status_code == 204
    assert api.get(f"/projects/{pid}/drawings").json()["count"] == 0


def test_areas_sets_and_disciplines_are_managed_by_admins(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    area = api.post(f"/projects/{pid}/areas", {"name": "Building B"})
    assert area.status_code == 201
    assert api.post(f"/projects/{pid}/areas", {"name": "Building B"}).status_code == 409
    assert api.post(f"/projects/{pid}/sets", {"name": "Bid Set"}).status_code == 201
    assert api.put(f"/projects/{pid}/disciplines/Q", {"name": "Equipment"}).status_code == 200
    names = {
        d["prefix"]: d["name"] for d in api.get(f"/projects/{pid}/disciplines").json()["items"]
    }
    assert names["Q"] == "Equipment"
    assert api.delete(f"/projects/{pid}/areas/{area.json()['id']}").status_code == 204
    reader = api_as(cast.gc_reader)
    assert reader.post(f"/projects/{pid}/sets", {"name": "X"}).status_code == 403
