"""The webhook pages: add an endpoint (secret shown once), send a test, read the log."""

from __future__ import annotations

import pytest

from sheetflow.webhooks.models import Endpoint
from tests.cast import Cast
from tests.webhooks.helpers import send_all


@pytest.mark.django_db
def test_an_admin_adds_an_endpoint_sees_the_secret_once_and_sends_a_test(
    cast: Cast, page_as, receiver, drain_tasks
) -> None:
    client = page_as(cast.gc_pm)
    url = f"/projects/{cast.gc_project.pk}/webhooks/"
    created = client.post(
        url, {"url": receiver.url, "events": ["sync.failing", "revisions.copied"]}
    )
    assert created.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.secret in created.content.decode()
    detail = client.get(f"{url}{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail and "Nothing sent yet" in detail
    client.post(f"{url}{endpoint.pk}/test/")
    send_all(drain_tasks)
    log = client.get(f"{url}{endpoint.pk}/").content.decode()
    assert "Delivered" in log and "<code>ping</code>" in log
    rotated = client.post(f"{url}{endpoint.pk}/rotate/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated
    assert "Turn off" in log
    client.post(f"{url}{endpoint.pk}/", {"is_active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active


@pytest.mark.django_db
def test_a_refused_url_is_explained_on_the_form(cast: Cast, page_as, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    answer = page_as(cast.gc_pm).post(
        f"/projects/{cast.gc_project.pk}/webhooks/",
        {"url": "http://hooks.example.com/in", "events": ["sync.failing"]},
    )
    assert answer.status_code == 422 and "https://" in answer.content.decode()
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_others_cannot_open_the_webhook_pages(cast: Cast, page_as) -> None:
    url = f"/projects/{cast.gc_project.pk}/webhooks/"
    assert page_as(cast.gc_admin).get(url).status_code == 200
    assert page_as(cast.gc_reader).get(url).status_code == 403
    assert page_as(cast.outsider).get(url).status_code == 404
