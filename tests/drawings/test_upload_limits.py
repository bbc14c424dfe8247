"""Upload size limits hold while the body is read: per file and per request, API and pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from bench import hostile
from sheetflow.drawings.services import uploads
from tests.cast import Cast
from tests.drawings.factories import sheet_pdf
from tests.drawings.test_api import upload
from tests.drawings.test_bad_input_api import assert_nothing_left
from tests.drawings.test_pages import log_url, upload_form


def test_files_together_over_the_request_limit_are_refused_through_the_api(
    cast: Cast, api_as: Callable[..., Any], settings: Any
) -> None:
    data = sheet_pdf(["A-101"])
    settings.UPLOAD_MAX_REQUEST_BYTES = int(len(data) * 2.5)
    files = [SimpleUploadedFile(f"{i}.pdf", data) for i in range(3)]
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, files)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "per request" in response.json()["detail"]
    assert_nothing_left()
    # Two of them fit.
    files = [SimpleUploadedFile(f"{i}.pdf", data) for i in range(2)]
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, files)
    assert response.status_code == 201, response.json()


def test_files_together_over_the_request_limit_are_refused_on_the_page(
    cast: Cast, page_as: Callable[..., Any], settings: Any
) -> None:
    data = sheet_pdf(["A-101"])
    settings.UPLOAD_MAX_REQUEST_BYTES = int(len(data) * 1.5)
    files = [SimpleUploadedFile(f"{i}.pdf", data) for i in range(2)]
    response = page_as(cast.gc_pm).post(f"{log_url(cast)}upload/", upload_form(files))
    assert response.status_code == 413
    assert b"per request" in response.content
    assert_nothing_left()


def test_one_file_over_its_limit_is_stopped_while_it_streams(
    cast: Cast, api_as: Callable[..., Any], settings: Any
) -> None:
    data = sheet_pdf(["A-101"])
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, [SimpleUploadedFile("a.pdf", data)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "a.pdf" in response.json()["detail"]


def test_large_files_reach_the_upload_as_files_on_disk(
    cast: Cast, api_as: Callable[..., Any], settings: Any, monkeypatch: Any
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    seen: list[object] = []
    real = uploads._on_disk

    def spy(files: list[uploads.UploadedFile], scratch: str) -> list[tuple[str, str]]:
        seen.extend(type(f.file) for f in files)
        return real(files, scratch)

    monkeypatch.setattr(uploads, "_on_disk", spy)
    files = [SimpleUploadedFile(f"{i}.pdf", sheet_pdf([f"A-10{i}"])) for i in range(2)]
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, files)
    assert response.status_code == 201, response.json()
    assert seen == [TemporaryUploadedFile, TemporaryUploadedFile]


def test_a_file_over_the_pdf_budget_gets_a_message_on_the_page(
    cast: Cast, page_as: Callable[..., Any], settings: Any
) -> None:
    settings.PDF_JOB_MEMORY_MB = 400
    files = [SimpleUploadedFile("bomb.pdf", hostile.bomb())]
    response = page_as(cast.gc_pm).post(f"{log_url(cast)}upload/", upload_form(files))
    assert response.status_code == 400
    assert b"too complex to process" in response.content
    assert_nothing_left()
