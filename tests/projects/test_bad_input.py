"""Bad input to the API: a clear 4xx in the one error shape, never a 500, nothing written."""

from __future__ import annotations

import pytest

from sheetflow.accounts.models import ApiToken
from sheetflow.projects.models import Project, ProjectMember
from tests.cast import Cast


def assert_error_shape(response, status: int) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": "No code"},
        {"name": 12, "code": ["x"]},
        {"name": "x" * 201, "code": "OK"},
        {"name": "Fine", "code": "C" * 31},
        {"name": "", "code": "E"},
        {"name": "Fine", "code": "F", "is_active": "perhaps"},
    ],
)
def test_bad_project_payloads_are_refused_and_write_nothing(cast: Cast, api_as, payload) -> None:
    before = Project.objects.count()
    assert_error_shape(api_as(cast.gc_admin).post("/projects", payload), 422)
    assert Project.objects.count() == before


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused(cast: Cast, api_as) -> None:
    api = api_as(cast.gc_admin)
    response = api.post("/projects", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not an email"},
        {"email": "x" * 300},
        {"email": "bella@brightline.test", "drawings": "superuser"},
        {"email": "bella@brightline.test", "connection_manager": 7},
        {"drawings": "admin"},
    ],
)
def test_bad_member_payloads_are_refused_and_write_nothing(cast: Cast, api_as, payload) -> None:
    before = ProjectMember.objects.count()
    response = api_as(cast.gc_admin).post(f"/projects/{cast.gc_project.pk}/members", payload)
    assert response.status_code in (400, 404, 422)
    assert_error_shape(response, response.status_code)
    assert ProjectMember.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/projects/999999",
        "/projects/999999/members",
        "/projects/99999999999999999999999",
        "/companies/999999",
    ],
)
def test_unknown_ids_are_404_in_the_error_shape(cast: Cast, api_as, path: str) -> None:
    response = api_as(cast.gc_admin).get(path)
    assert response.status_code in (400, 404, 422)
    assert_error_shape(response, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"limit": 10**9},
        {"limit": 0},
        {"limit": -1},
        {"offset": -5},
        {"offset": 10**20},
        {"limit": "lots"},
    ],
)
def test_pagination_is_bounded(cast: Cast, api_as, query) -> None:
    assert_error_shape(api_as(cast.gc_admin).get("/projects", query), 422)


@pytest.mark.django_db
def test_a_large_but_allowed_offset_is_an_empty_page(cast: Cast, api_as) -> None:
    body = api_as(cast.gc_admin).get("/projects", {"offset": 10_000_000, "limit": 200}).json()
    assert body == {"items": [], "count": 1}


@pytest.mark.django_db
def test_token_creation_with_bad_input_creates_no_token(cast: Cast, api_as) -> None:
    anonymous = api_as(None)
    for payload in ({}, {"email": "a"}, {"email": cast.gc_pm.email, "password": "x" * 201}):
        response = anonymous.post("/tokens", payload)
        assert_error_shape(response, 422)
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_writes_without_authentication_are_401(cast: Cast, api_as) -> None:
    response = api_as(None).post("/projects", {"name": "X", "code": "X"})
    assert_error_shape(response, 401)
