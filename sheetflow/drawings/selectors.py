"""Reads for drawings, always scoped by the acting user's rights on the project."""

from __future__ import annotations

from sheetflow.drawings.models import Revision
from sheetflow.projects.models import Project


def revision_count(*, project: Project) -> int:
    """All non-deleted revisions of a project (published or not)."""
    return Revision.objects.filter(project=project, deleted_at__isnull=True).count()
