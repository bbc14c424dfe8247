"""The drawings pages: log, upload and review, history, viewer, bulk publish, management."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheetflow.drawings.models import Area, Drawing, Revision
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, sheet_pdf, upload_sheets


def log_url(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/drawings/"


def upload_form(files: list[Any], **extra: Any) -> dict[str, Any]:
    area = Area.objects.filter(deleted_at__isnull=True).order_by("pk").first()
    return {
        "pdf_files": files,
        "area": area.pk if area else "",
        "drawing_date": "2026-02-01",
        "received_date": "2026-02-02",
        "revision_number": "0",
        **extra,
    }


def test_an_admin_uploads_corrects_a_number_and_publishes_from_the_pages(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    client = page_as(cast.gc_pm)
    base = log_url(cast)
    files = [SimpleUploadedFile("set.pdf", sheet_pdf(["A-101", "A-102", "S-101"]))]
    response = client.post(f"{base}upload/", upload_form(files, new_set_name="IFC"))
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert b'value="A-102"' in review.content
    confirmed = client.post(
        response["Location"],
        {
            "include_0": "on", "number_0": "A-101", "title_0": "Plan", "revision_0": "0",
            "include_1": "on", "number_1": "A-201", "title_1": "Roof", "revision_1": "0",
            "number_2": "S-101", "title_2": "Skip me", "revision_2": "0",
        },
    )  # fmt: skip
    assert confirmed.status_code == 302
    assert sorted(Drawing.objects.values_list("number", flat=True)) == ["A-101", "A-201"]
    drain_tasks()
    ids = list(Revision.objects.values_list("pk", flat=True))
    published = client.post(f"{base}publish/", {"revision": ids, "action": "publish", "next": base})
    assert published.status_code == 302
    log = client.get(base)
    assert log.status_code == 200
    assert b"A-201" in log.content and b"Roof" in log.content
    assert log.content.count(b"/thumbnail/") == 2


def test_readers_see_the_published_log_but_not_pending_sheets(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    upload_sheets(cast.gc_project, cast.gc_pm, ["Z-999"])
    page = page_as(cast.gc_reader).get(log_url(cast))
    assert b"A-101" in page.content and b"Z-999" not in page.content
    assert b"Upload drawings" not in page.content
    assert page_as(cast.gc_reader).get(f"{log_url(cast)}upload/").status_code == 403
    assert page_as(cast.outsider).get(log_url(cast)).status_code == 404


def test_the_log_does_a_constant_number_of_queries(cast: Cast, page_as: Callable[..., Any]) -> None:
    client = page_as(cast.gc_pm)
    publish_sheets(cast.gc_project, cast.gc_pm, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(log_url(cast)).status_code == 200
    publish_sheets(cast.gc_project, cast.gc_pm, 12, numbers=[f"S-{i}" for i in range(12)])
    upload_sheets(cast.gc_project, cast.gc_pm, ["M-1", "M-2"])
    with CaptureQueriesContext(connection) as many:
        page = client.get(log_url(cast))
    assert page.content.decode().count("Rendering…") == 16
    assert len(many.captured_queries) == len(few.captured_queries)


def test_history_and_viewer_pages_show_revisions_and_download_the_sheet(
    cast: Cast, page_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drain_tasks()
    client = page_as(cast.gc_reader)
    history = client.get(f"{log_url(cast)}{revision.drawing_id}/")
    assert b"Current" in history.content
    viewer = client.get(f"{log_url(cast)}revisions/{revision.pk}/")
    assert b"/image/" in viewer.content
    sheet = client.get(f"{log_url(cast)}revisions/{revision.pk}/sheet/")
    assert sheet["Content-Type"] == "application/pdf"
    assert "attachment" in sheet["Content-Disposition"]


def test_connected_drawings_show_their_origin_and_withdrawn_revisions_a_warning(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    # The sync engine writes these fields; the pages only display them.
    Drawing.objects.filter(pk=revision.drawing_id).update(
        upstream_uuid=revision.drawing.uuid,
        upstream_company_name="Apex Builders",
        upstream_project_name="Upstream Tower",
        is_synced=True,
    )
    Revision.objects.filter(pk=revision.pk).update(withdrawn_upstream_at="2026-02-01T00:00Z")
    client = page_as(cast.gc_pm)
    log = client.get(log_url(cast), {"source": "connected"})
    assert (
        b"Connected" in log.content and b"from Apex Builders \xc2\xb7 Upstream Tower" in log.content
    )
    assert b"Withdrawn upstream" in log.content
    assert b"A-101" not in client.get(log_url(cast), {"source": "own"}).content
    drawing_page = client.get(f"{log_url(cast)}{revision.drawing_id}/")
    assert b'id="drawing-edit"' not in drawing_page.content


def test_admins_manage_areas_sets_and_disciplines(cast: Cast, page_as: Callable[..., Any]) -> None:
    client = page_as(cast.gc_pm)
    url = f"{log_url(cast)}manage/"
    client.post(url, {"what": "area", "op": "create", "name": "Building B"})
    client.post(url, {"what": "set", "op": "create", "name": "Bid Set", "date": "2026-01-01"})
    client.post(url, {"what": "discipline", "op": "set", "letters": "q", "name": "Equipment"})
    page = client.get(url)
    assert b"Building B" in page.content and b"Bid Set" in page.content
    assert b"Equipment" in page.content
    refused = page_as(cast.gc_reader).post(url, {"what": "area", "op": "create", "name": "X"})
    assert refused.status_code == 403
