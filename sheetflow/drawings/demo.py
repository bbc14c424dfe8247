"""Demo drawing sets for the general contractor's project: realistic sheets, published."""

from __future__ import annotations

import datetime as dt
import io

from sheetflow.accounts.models import User
from sheetflow.drawings.models import Drawing, Revision
from sheetflow.drawings.samples import drawing_set_pdf
from sheetflow.drawings.selectors import area_get, areas
from sheetflow.drawings.services import (
    UploadedFile,
    area_create,
    revision_render,
    revisions_publish,
    set_get_or_create,
    upload_confirm,
    upload_create,
)
from sheetflow.projects.models import Project

ARCH = [
    ("G-001", "Cover Sheet"),
    ("G-002", "Code Analysis"),
    ("A-101", "Floor Plan - Level 1"),
    ("A-102", "Floor Plan - Level 2"),
    ("A-103", "Floor Plan - Level 3"),
    ("A-104", "Roof Plan"),
    ("A-201", "Exterior Elevations"),
    ("A-301", "Building Sections"),
    ("A-501", "Wall Details"),
    ("A-601", "Door Schedule"),
]
STRUCT = [
    ("S-001", "General Notes"),
    ("S-101", "Foundation Plan"),
    ("S-102", "Level 2 Framing Plan"),
    ("S-103", "Roof Framing Plan"),
    ("S-501", "Typical Details"),
]
MEP = [
    ("M-101", "HVAC Plan - Level 1"),
    ("M-102", "HVAC Plan - Level 2"),
    ("M-601", "Mechanical Schedules"),
    ("E-101", "Lighting Plan - Level 1"),
    ("E-102", "Lighting Plan - Level 2"),
    ("E-201", "Power Plan - Level 1"),
    ("E-601", "Panel Schedules"),
    ("P-101", "Plumbing Plan - Level 1"),
    ("P-102", "Plumbing Plan - Level 2"),
    ("FP-101", "Fire Sprinkler Plan"),
]
PARKING = [
    ("S-201", "Parking Foundation Plan"),
    ("S-202", "Parking Deck Framing"),
    ("C-101", "Site and Grading Plan"),
]
# Reissued at IFC with revision 1.
REISSUED = ["A-101", "A-102", "S-101", "E-101"]


def _upload(
    project: Project,
    user: User,
    *,
    sheets: list[tuple[str, str]],
    area_id: int,
    set_name: str,
    set_date: dt.date,
    revision: str,
    status: str,
) -> list[Revision]:
    data = drawing_set_pdf(
        tuple(sheets), revision=revision, date=set_date.isoformat(), project=project.name
    )
    name = f"{project.code} {set_name}.pdf"
    pending = upload_create(
        project=project,
        user=user,
        files=[UploadedFile(name=name, file=io.BytesIO(data), size=len(data))],
        area=area_get(project=project, area_id=area_id),
        drawing_set=set_get_or_create(project=project, name=set_name, date=set_date),
        drawing_date=set_date,
        received_date=set_date + dt.timedelta(days=2),
        revision_number=revision,
        revision_status=status,
    )
    revisions = upload_confirm(upload=pending, user=user)
    revisions_publish(user=user, revisions=revisions)
    return revisions


def load(*, project: Project, user: User) -> int:
    """Upload and publish the demo sets once (does nothing if the project has drawings)."""
    if Drawing.objects.filter(project=project).exists():
        return 0
    main = project_area(project)
    parking = area_create(project=project, name="Parking Structure")
    bid, ifc = dt.date(2025, 11, 3), dt.date(2026, 1, 12)
    created = []
    created += _upload(project, user, sheets=ARCH + STRUCT, area_id=main, set_name="Bid Set",
                       set_date=bid, revision="0", status="For Bid")  # fmt: skip
    created += _upload(project, user, sheets=MEP, area_id=main, set_name="IFC",
                       set_date=ifc, revision="0", status="For Construction")  # fmt: skip
    reissued = [s for s in ARCH + STRUCT + MEP if s[0] in REISSUED]
    created += _upload(project, user, sheets=reissued, area_id=main, set_name="IFC",
                       set_date=ifc, revision="1", status="For Construction")  # fmt: skip
    created += _upload(project, user, sheets=PARKING, area_id=parking.pk,
                       set_name="Addendum 1", set_date=ifc + dt.timedelta(days=20),
                       revision="0", status="For Construction")  # fmt: skip
    # Render now so the log has thumbnails at once (the queued tasks then find them done).
    for revision in created:
        revision_render(revision_id=revision.pk)
    return len(created)


def project_area(project: Project) -> int:
    first = areas(project=project).first()
    assert first is not None
    return first.pk
