"""One family of refusals, answered once as a page and once in the API's JSON shape."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from sheetflow.common.error_responses import error_json, error_page
from sheetflow.common.errors import Invalid, Throttled
from tests.cast import Cast


def _visitor(rf: RequestFactory) -> HttpRequest:
    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    return request


def test_a_throttled_refusal_is_a_429_page_with_its_retry_after(rf: RequestFactory) -> None:
    page = error_page(_visitor(rf), Throttled("Slow down.", retry_after=7))
    assert page.status_code == 429
    assert page["Retry-After"] == "7"
    assert "Slow down." in page.content.decode()


def test_a_throttled_refusal_in_the_api_shape_carries_its_retry_after() -> None:
    answer = error_json(Throttled("Slow down.", retry_after=7))
    assert answer.status_code == 429
    assert answer["Retry-After"] == "7"
    assert json.loads(answer.content) == {"detail": "Slow down.", "code": "throttled"}


def test_an_invalid_refusal_is_a_422_page_and_a_422_answer(rf: RequestFactory) -> None:
    page = error_page(_visitor(rf), Invalid("mode: choose all or specific."))
    assert page.status_code == 422
    assert "mode: choose all or specific." in page.content.decode()
    answer = error_json(Invalid("mode: choose all or specific."))
    assert answer.status_code == 422
    body = {"detail": "mode: choose all or specific.", "code": "validation_error"}
    assert json.loads(answer.content) == body


def test_the_api_answers_a_bad_cursor_with_the_invalid_shape(cast: Cast, api_as) -> None:
    url = f"/projects/{cast.gc_project.pk}/distribution/matrix"
    answer = api_as(cast.gc_pm).get(url, {"cursor": "not-one-of-ours"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_a_missing_address_and_a_hidden_project_show_the_same_404_page(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.outsider)
    no_route = client.get("/no/such/page/")
    hidden = client.get(reverse("projects:home", args=[cast.gc_project.pk]))
    assert no_route.status_code == hidden.status_code == 404
    for page in (no_route, hidden):
        html = page.content.decode()
        assert "<h1>Not found</h1>" in html and "Your projects" in html
    assert no_route.templates[0].name == "error.html"
    assert hidden.templates[0].name == "error.html"


@pytest.mark.django_db
def test_a_missing_api_address_answers_in_the_error_shape(cast: Cast) -> None:
    answer = Client().get("/api/v1/no/such/thing")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_a_refused_page_action_shows_the_error_page_with_its_status(cast: Cast, page_as) -> None:
    refused = page_as(cast.gc_pm).post(reverse("projects:list"), {"name": "X", "code": "X"})
    assert refused.status_code == 403
    assert "Only company admins create projects." in refused.content.decode()
