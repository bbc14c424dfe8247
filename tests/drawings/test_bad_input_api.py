"""Bad uploads through the API: a clear 4xx, and nothing left behind (no rows, no blobs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sheetflow.drawings.models import Blob, Drawing, DrawingSet, Revision, Upload
from tests.cast import Cast
from tests.drawings.badfiles import BAD_FILES
from tests.drawings.factories import publish_sheets, sheet_pdf
from tests.drawings.test_api import upload


def assert_nothing_left(sets: int = 0) -> None:
    assert not Upload.objects.exists()
    assert not Revision.objects.exists()
    assert not Drawing.objects.exists()
    assert not Blob.objects.exists()
    assert DrawingSet.objects.count() == sets
    blobs = Path(settings.MEDIA_ROOT) / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason(
    cast: Cast, api_as: Callable[..., Any], kind: str
) -> None:
    data, code = BAD_FILES[kind]
    good = SimpleUploadedFile("good.pdf", sheet_pdf(["A-101", "A-102"]))
    bad = SimpleUploadedFile(f"{kind}.pdf", data)
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, [good, bad], new_set_name="IFC")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert f"{kind}.pdf" in response.json()["detail"]
    assert_nothing_left()


def test_a_file_over_the_size_limit_is_refused(
    cast: Cast, api_as: Callable[..., Any], settings: Any
) -> None:
    data = sheet_pdf(["A-101"])
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, [SimpleUploadedFile("a.pdf", data)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert_nothing_left()


def test_more_pages_than_the_limit_are_refused(
    cast: Cast, api_as: Callable[..., Any], settings: Any
) -> None:
    settings.UPLOAD_MAX_PAGES = 2
    files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101", "A-102", "A-103"]))]
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, files)
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_pages"
    assert_nothing_left()


def test_an_area_or_set_of_another_project_is_not_found(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    api = api_as(cast.gc_admin)
    sub_api = api_as(cast.sub_pm)
    their_set = sub_api.post(f"/projects/{cast.sub_project.pk}/sets", {"name": "Theirs"}).json()
    their_area = sub_api.get(f"/projects/{cast.sub_project.pk}/areas").json()["items"][0]
    for form in ({"set_id": their_set["id"]}, {"area_id": their_area["id"]}):
        files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))]
        response = upload(api, cast.gc_project.pk, files, **form)
        assert response.status_code == 404
        assert response.json()["code"] in ("set_not_found", "area_not_found")
    assert_nothing_left(sets=1)


@pytest.mark.parametrize(
    "form",
    [{"revision_number": "R" * 21}, {"revision_status": "S" * 61}, {"new_set_name": "N" * 121}],
)
def test_metadata_over_length_limits_is_refused(
    cast: Cast, api_as: Callable[..., Any], form: dict[str, str]
) -> None:
    files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))]
    response = upload(api_as(cast.gc_pm), cast.gc_project.pk, files, **form)
    assert response.status_code == 422
    assert_nothing_left()


def test_a_reviewed_number_over_the_length_limit_is_refused(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    created = upload(api, pid, [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))]).json()
    confirm = api.post(
        f"/projects/{pid}/uploads/{created['uuid']}/confirm",
        {"sheets": [{"index": 0, "number": "A" * 61}]},
    )
    assert confirm.status_code == 422
    assert not Revision.objects.exists() and not Drawing.objects.exists()


def test_a_revision_that_breaks_the_uniqueness_rule_is_refused(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    api = api_as(cast.gc_pm)
    pid = cast.gc_project.pk
    files = [SimpleUploadedFile("a.pdf", sheet_pdf(["A-101"]))]
    created = upload(api, pid, files, drawing_date="2026-01-15", received_date="2026-01-15")
    confirm = api.post(f"/projects/{pid}/uploads/{created.json()['uuid']}/confirm", {})
    assert confirm.status_code == 409
    assert confirm.json()["code"] == "revision_exists"
    assert Revision.objects.count() == 1
    # The upload waits for a correction: a new revision number goes through.
    fixed = api.post(
        f"/projects/{pid}/uploads/{created.json()['uuid']}/confirm",
        {"sheets": [{"index": 0, "revision_number": "1"}]},
    )
    assert fixed.status_code == 201
    assert Revision.objects.count() == 2
