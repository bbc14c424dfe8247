"""A small world with something on every main page, and the list of those pages.

Shared by the browser tests that visit every main page (fit on phones and tablets,
accessibility): the subcontractor's project is connected to the contractor's, has published
copies, a batch waiting for review and a sheet of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.services import revisions_publish
from sheetflow.projects.models import Level
from sheetflow.projects.services import member_add, project_create
from tests.cast import Cast
from tests.connections.sync_helpers import connect, sync
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.queue import run_queued_tasks


@dataclass
class Page:
    name: str
    path: str


def build_world(cast: Cast) -> list[Page]:
    """Make the world and return the main pages, as the subcontractor's admin sees them."""
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["A-101", "A-102", "S-101"])
    connection = connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    sync(connection)
    revisions_publish(user=cast.sub_pm, revisions=Revision.objects.filter(project=cast.sub_project))
    publish_sheets(
        cast.gc_project,
        cast.gc_pm,
        2,
        numbers=["A-101", "E-101"],
        revision="1",
        drawing_date=dt.date(2026, 3, 1),
    )
    sync(connection)
    upload_sheets(cast.sub_project, cast.sub_pm, ["E-900"])
    run_queued_tasks()
    spare = project_create(company=cast.sub, name="Riverside Annex", code="BE-ANX")
    member_add(
        project=spare, user=cast.sub_pm, drawings=Level.ADMIN, connection_manager=Level.ADMIN
    )
    sub = cast.sub_project.pk
    drawing = Drawing.objects.get(project=cast.sub_project, number="A-101")
    revision = drawing.current_revision
    assert revision is not None
    return [
        Page("projects", "/projects/"),
        Page("home", f"/projects/{sub}/"),
        Page("log", f"/projects/{sub}/drawings/"),
        Page("drawing", f"/projects/{sub}/drawings/{drawing.pk}/"),
        Page("revision", f"/projects/{sub}/drawings/revisions/{revision.pk}/"),
        Page("review-queue", f"/projects/{sub}/drawings/review-queue/"),
        Page("upload", f"/projects/{sub}/drawings/upload/"),
        Page("manage", f"/projects/{sub}/drawings/manage/"),
        Page("connections", f"/projects/{sub}/connections/"),
        Page("connection", f"/projects/{sub}/connections/{connection.pk}/"),
        Page("disconnect", f"/projects/{sub}/connections/{connection.pk}/disconnect/"),
        Page("connect-wizard", f"/projects/{spare.pk}/connections/connect/"),
        Page("distribution-lists", f"/projects/{sub}/connections/settings/"),
        Page("directory", f"/projects/{sub}/directory/"),
        Page("notifications", "/notifications/"),
        Page("tokens", "/accounts/tokens/"),
    ]
