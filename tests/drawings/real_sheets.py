"""The two real issues of sheet A010 (tests/fixtures/real/, see its README) as revisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sheetflow.accounts.models import User
from sheetflow.drawings.models import Area, Revision
from sheetflow.drawings.services import revisions_publish, upload_confirm, upload_create
from sheetflow.projects.models import Project
from tests.drawings.factories import as_upload

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
ISSUES = (
    ("A010 site plan 2019-07-11.pdf", "1", dt.date(2019, 7, 11)),
    ("A010 site plan 2019-08-08.pdf", "2", dt.date(2019, 8, 8)),
)


def real_a010(project: Project, user: User, *, publish: bool = True) -> tuple[Revision, Revision]:
    """Upload both issues of A010 as revisions 1 and 2 of one drawing (published by default)."""
    area = Area.objects.filter(project=project, deleted_at__isnull=True).first()
    assert area is not None
    made = []
    for name, number, date in ISSUES:
        upload = upload_create(
            project=project,
            user=user,
            files=[as_upload((REAL / name).read_bytes(), name)],
            area=area,
            drawing_set=None,
            drawing_date=date,
            received_date=date,
            revision_number=number,
        )
        made.extend(upload_confirm(upload=upload, user=user))
    if publish:
        revisions_publish(user=user, revisions=made)
    first, second = (Revision.objects.get(pk=r.pk) for r in made)
    assert first.drawing_id == second.drawing_id, "both issues are revisions of A010"
    return first, second
