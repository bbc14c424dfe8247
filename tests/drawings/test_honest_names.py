"""Honest states and names: disconnected copies, connected areas and sets with their source,
project codes in subjects, the disconnect terms, and "select all" across pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages

from sheetflow.connections.services import connection_disconnect
from sheetflow.drawings import views
from sheetflow.drawings.models import Drawing
from sheetflow.notifications.models import Notification
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import publish_sheets, upload_sheets


def log_url(project: Any) -> str:
    return f"/projects/{project.pk}/drawings/"


def test_disconnected_copies_and_the_sync_box_say_so(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    client = page_as(cast.sub_pm)
    assert ">Connected</span>" in client.get(log_url(cast.sub_project)).content.decode()
    connection_disconnect(
        user=cast.sub_pm,
        side="downstream",
        connection=connection,
        reason="Scope complete.",
        acknowledged=True,
    )
    log = client.get(log_url(cast.sub_project)).content.decode()
    assert ">Disconnected</span>" in log and ">Connected</span>" not in log
    assert "from Apex Builders · Riverside Medical Center" in log
    drawing = Drawing.objects.get(project=cast.sub_project)
    page = client.get(f"{log_url(cast.sub_project)}{drawing.pk}/").content.decode()
    assert ">Disconnected</span>" in page
    box = client.get(
        f"/projects/{cast.sub_project.pk}/connections/{connection.pk}/sync/"
    ).content.decode()
    assert "Stopped" in box and "disconnected on" in box and "up to date" not in box


def test_connected_areas_and_sets_are_named_with_their_source(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 1)
    sync(connect(cast.sub_pm, cast.sub_project, cast.gc_project))
    upload_sheets(cast.sub_project, cast.sub_pm, ["E-101"])
    log = page_as(cast.sub_pm).get(log_url(cast.sub_project)).content.decode()
    area = Drawing.objects.get(project=cast.gc_project).area.name
    assert f">{area} · Apex Builders</option>" in log  # the connected area
    assert f">{area}</option>" in log  # the project's own area of the same name


def test_subjects_name_projects_by_code(cast: Cast) -> None:
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    note = Notification.objects.filter(user=cast.sub_pm, event="connection_created").get()
    assert note.subject == (
        '[Sheetflow] Apex Builders · Connected: RMC "Riverside Medical Center" '
        '→ BE-RMC "Riverside Electrical"'
    )


def test_the_disconnect_form_explains_permanence_to_the_downstream(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    page = page_as(cast.sub_pm).get(
        f"/projects/{cast.sub_project.pk}/connections/{connection.pk}/disconnect/"
    )
    html = page.content.decode()
    assert "will <strong>no longer reach you</strong>" in html
    assert "can never be connected to an upstream project again — not to RMC" in html


@pytest.fixture
def pages_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def test_select_all_matching_publishes_every_page_and_only_the_count_shown(
    cast: Cast, page_as: Callable[..., Any], pages_of_two: None
) -> None:
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-1", "A-2", "A-3", "S-1"])
    client = page_as(cast.gc_pm)
    log = client.get(log_url(cast.gc_project), {"q": "A-"}).content.decode()
    assert "Select all 3 matching drawings" in log
    form = {"all_matching": "1", "q": "A-", "action": "publish"}
    stale = client.post(f"{log_url(cast.gc_project)}publish/", {**form, "expected": "4"})
    assert [str(m) for m in get_messages(stale.wsgi_request)] == [
        "3 drawings match these filters now, not 4: nothing was changed. Check and try again."
    ]
    assert not Drawing.objects.filter(current_revision__isnull=False).exists()
    client.post(f"{log_url(cast.gc_project)}publish/", {**form, "expected": "3"})
    published = Drawing.objects.filter(current_revision__isnull=False)
    assert sorted(published.values_list("number", flat=True)) == ["A-1", "A-2", "A-3"]
