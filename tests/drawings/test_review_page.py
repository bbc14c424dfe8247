"""The upload review page: new drawing or new revision, duplicates, low-confidence marks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from sheetflow.drawings.samples import blank_pdf
from tests.cast import Cast
from tests.drawings.factories import sheet_pdf, upload_sheets
from tests.drawings.test_pages import log_url, upload_form


def test_rows_say_new_drawing_or_new_revision_and_warn_on_duplicates(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-201"], revision="1")
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("set.pdf", sheet_pdf(["A-201", "A-301", "A-301"]))]
    response = client.post(f"{log_url(cast)}upload/", upload_form(files, revision_number="2"))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "new revision of A-201 (rev 1 → 2)" in html
    assert html.count('data-mark="new-drawing"') == 2
    assert html.count('data-mark="duplicate"') == 2  # a warning on both rows
    assert 'id="duplicates"' in html and "A-301" in html


def test_fields_from_the_file_name_are_marked_and_unrecognised_pages_flagged(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("Tower.pdf", blank_pdf(2))]
    response = client.post(f"{log_url(cast)}upload/", upload_form(files))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert 'value="Tower-1"' in html and 'value="Tower-2"' in html
    assert html.count('data-mark="not-recognised"') == 2
    assert html.count('data-mark="low-number"') == 2


def test_the_api_gives_each_fields_confidence_and_source(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    from django.test.client import MULTIPART_CONTENT

    response = api_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/uploads",
        {"files": [SimpleUploadedFile("Tower.pdf", blank_pdf(1))]},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 201, response.json()
    [sheet] = response.json()["sheets"]
    assert sheet["recognised"] is False
    assert sheet["number_evidence"]["source"] == "file_name"
    assert sheet["number_evidence"]["confidence"] < 0.6
