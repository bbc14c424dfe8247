"""Input the database cannot store (NUL bytes, broken UTF-8) is refused with 400 everywhere,
and every API error, whatever raised it, comes in the one JSON shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sheetflow.accounts.services import token_create
from sheetflow.projects.models import Project
from tests.cast import Cast


def shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code"}, body
    return body


@pytest.fixture
def api(cast: Cast) -> Client:
    _, secret = token_create(user=cast.gc_admin, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.django_db
def test_a_nul_byte_to_the_unauthenticated_token_endpoint_is_a_400(cast: Cast) -> None:
    for body in (
        '{"email": "a\\u0000@x.test", "password": "p"}',
        '{"email": "alice@apex.test", "password": "p\\u0000"}',
        '{"email": "alice@apex.test", "password": "\\ud800"}',
    ):
        response = Client().post("/api/v1/tokens", body, content_type="application/json")
        assert shape(response, 400)["code"] == "invalid_characters"


@pytest.mark.django_db
def test_nul_bytes_in_json_query_strings_and_forms_are_refused(
    cast: Cast, api: Client, page_as: Any
) -> None:
    pid = cast.gc_project.pk
    patched = api.patch(f"/api/v1/projects/{pid}", {"name": "A\x00B"}, "application/json")
    assert shape(patched, 400)["code"] == "invalid_characters"
    assert Project.objects.get(pk=pid).name == "Riverside Medical Center"
    assert shape(api.get(f"/api/v1/projects/{pid}/drawings?q=%00"), 400)
    assert shape(api.get(f"/api/v1/projects/{pid}/drawings?q=%ff%fe"), 400)
    page = page_as(cast.gc_admin)
    assert page.get(f"/projects/{pid}/drawings/?q=A%00").status_code == 400
    form = page.post("/projects/", {"name": "Nul\x00", "code": "NUL"})
    assert form.status_code == 400
    assert not Project.objects.filter(code="NUL").exists()
    raw = page.post("/projects/", "name=x%ffy&code=BAD", "application/x-www-form-urlencoded")
    assert raw.status_code == 400
    multipart = page.post("/projects/", {"name": "Multi\x00part", "code": "MP"})
    assert multipart.status_code == 400
    assert not Project.objects.filter(code="MP").exists()


@pytest.mark.django_db
def test_a_nul_byte_in_a_multipart_api_field_is_refused(cast: Cast, api: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.drawings.factories import sheet_pdf

    pid = cast.gc_project.pk
    pdf = SimpleUploadedFile("set.pdf", sheet_pdf(["A-1"]), "application/pdf")
    response = api.post(
        f"/api/v1/projects/{pid}/uploads", {"files": pdf, "revision_number": "0\x00"}
    )
    assert shape(response, 400)["code"] == "invalid_characters"


@pytest.mark.django_db
def test_malformed_bodies_get_the_error_shape(cast: Cast, api: Client) -> None:
    pid = cast.gc_project.pk
    bad_json = api.patch(f"/api/v1/projects/{pid}", "{not json", "application/json")
    shape(bad_json, 400)
    broken = api.post(
        f"/api/v1/projects/{pid}/uploads",
        b'--x\r\nContent-Disposition: form-data; name="files"\r\n\r\nno end',
        content_type="multipart/form-data; boundary=",
    )
    shape(broken, 400)


@pytest.mark.django_db
def test_an_oversized_body_gets_413_in_the_error_shape(
    cast: Cast, api: Client, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    response = api.patch(f"/api/v1/projects/{cast.gc_project.pk}", body, "application/json")
    assert shape(response, 413)["code"] == "too_large"


@pytest.mark.django_db
def test_a_server_error_in_the_api_gets_the_error_shape(
    cast: Cast, api: Client, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("sheetflow.projects.services.project_update", broken)
    client = Client(raise_request_exception=False, headers=api.defaults.get("headers", {}))
    client.defaults.update(api.defaults)
    response = client.patch(
        f"/api/v1/projects/{cast.gc_project.pk}", {"name": "x"}, "application/json"
    )
    body = shape(response, 500)
    assert body["code"] == "server_error" and "boom" not in body["detail"]
