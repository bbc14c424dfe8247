"""Bad uploads through the pages: a message on the page, and nothing left behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sheetflow.drawings.models import Area, DrawingSet, Revision, Upload
from sheetflow.drawings.services import set_create
from tests.cast import Cast
from tests.drawings.badfiles import BAD_FILES
from tests.drawings.factories import publish_sheets, sheet_pdf
from tests.drawings.test_bad_input_api import assert_nothing_left
from tests.drawings.test_pages import log_url, upload_form


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_gets_a_message_on_the_upload_page(
    cast: Cast, page_as: Callable[..., Any], kind: str
) -> None:
    data, _code = BAD_FILES[kind]
    files = [
        SimpleUploadedFile("good.pdf", sheet_pdf(["A-1"])),
        SimpleUploadedFile(f"{kind}.pdf", data),
    ]
    response = page_as(cast.gc_pm).post(
        f"{log_url(cast)}upload/", upload_form(files, new_set_name="IFC")
    )
    assert response.status_code == 400
    assert f"{kind}.pdf".encode() in response.content
    assert b'role="alert"' in response.content
    assert_nothing_left()


def test_size_and_page_limits_are_enforced_on_the_page(
    cast: Cast, page_as: Callable[..., Any], settings: Any
) -> None:
    client = page_as(cast.gc_pm)
    data = sheet_pdf(["A-1", "A-2", "A-3"])
    settings.UPLOAD_MAX_PAGES = 2
    response = client.post(
        f"{log_url(cast)}upload/", upload_form([SimpleUploadedFile("a.pdf", data)])
    )
    assert response.status_code == 400 and b"at most 2 at a time" in response.content
    settings.UPLOAD_MAX_PAGES = 2000
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    response = client.post(
        f"{log_url(cast)}upload/", upload_form([SimpleUploadedFile("a.pdf", data)])
    )
    assert response.status_code == 413 and b"over the" in response.content
    assert_nothing_left()


def test_a_set_or_area_of_another_project_is_refused_on_the_page(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    theirs = set_create(project=cast.sub_project, name="Theirs")
    their_area = Area.objects.get(project=cast.sub_project)
    client = page_as(cast.gc_admin)
    for extra in ({"drawing_set": theirs.pk}, {"area": their_area.pk}):
        files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-1"]))]
        response = client.post(f"{log_url(cast)}upload/", {**upload_form(files), **extra})
        assert response.status_code == 400
        assert b"Select a valid choice" in response.content
    assert not Upload.objects.exists() and not Revision.objects.exists()
    assert list(DrawingSet.objects.all()) == [theirs]


def test_a_duplicate_revision_is_refused_on_the_review_page(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))]
    form = upload_form(files, drawing_date="2026-01-15", received_date="2026-01-15")
    review_url = client.post(f"{log_url(cast)}upload/", form)["Location"]
    fields = {"include_0": "on", "number_0": "A-101", "title_0": "Plan", "revision_0": "0"}
    response = client.post(review_url, fields)
    assert response.status_code == 400
    assert b"already has revision 0" in response.content
    assert Revision.objects.count() == 1
    too_long = client.post(review_url, {**fields, "number_0": "A" * 61})
    assert too_long.status_code == 400 and b"too long" in too_long.content
    assert Revision.objects.count() == 1
