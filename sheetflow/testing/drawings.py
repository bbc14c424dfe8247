"""Drawings made through the real services: small reportlab sheets, uploaded and published."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from sheetflow.accounts.models import User
from sheetflow.drawings.models import Area, DrawingSet, Revision
from sheetflow.drawings.samples import drawing_set_pdf
from sheetflow.drawings.services import (
    UploadedFile,
    revisions_publish,
    upload_confirm,
    upload_create,
)
from sheetflow.projects.models import Project

DATE = dt.date(2026, 1, 15)


def sheet_pdf(numbers: Sequence[str], *, revision: str = "0") -> bytes:
    """A PDF with one titled sheet per number (cached: the same numbers give the same bytes)."""
    return drawing_set_pdf(tuple((n, f"Sheet {n}") for n in numbers), revision=revision)


def as_upload(data: bytes, name: str = "set.pdf") -> UploadedFile:
    return UploadedFile(name=name, file=io.BytesIO(data), size=len(data))


def upload_sheets(
    project: Project,
    user: User,
    numbers: Sequence[str],
    *,
    revision: str = "0",
    area: Area | None = None,
    drawing_set: DrawingSet | None = None,
    drawing_date: dt.date = DATE,
    received_date: dt.date = DATE,
) -> list[Revision]:
    """Upload and confirm one sheet per number (unpublished revisions)."""
    if area is None:
        area = Area.objects.filter(project=project, deleted_at__isnull=True).first()
        if area is None:
            raise ValueError(f"project {project.pk} has no area to upload into")
    upload = upload_create(
        project=project,
        user=user,
        files=[as_upload(sheet_pdf(numbers, revision=revision))],
        area=area,
        drawing_set=drawing_set,
        drawing_date=drawing_date,
        received_date=received_date,
        revision_number=revision,
    )
    return upload_confirm(upload=upload, user=user)


def publish_sheets(
    project: Project,
    user: User,
    count: int,
    *,
    numbers: Sequence[str] | None = None,
    revision: str = "0",
    drawing_set: DrawingSet | None = None,
    drawing_date: dt.date = DATE,
) -> list[Revision]:
    """Create and publish ``count`` one-page sheets through the real services."""
    numbers = list(numbers) if numbers is not None else [f"A-{101 + i}" for i in range(count)]
    if len(numbers) != count:
        raise ValueError("numbers must have count items")
    revisions = upload_sheets(
        project,
        user,
        numbers,
        revision=revision,
        drawing_set=drawing_set,
        drawing_date=drawing_date,
        received_date=drawing_date,
    )
    revisions_publish(user=user, revisions=revisions)
    return [Revision.objects.get(pk=r.pk) for r in revisions]
