"""What every project gets when it is created."""

from __future__ import annotations

from django.db import transaction

from sheetflow.drawings import sequence
from sheetflow.drawings.models import DEFAULT_DISCIPLINES, Area, Discipline
from sheetflow.drawings.services._common import stamp
from sheetflow.projects.models import Project

DEFAULT_AREA_NAME = "General"


def project_setup(*, project: Project) -> None:
    """Create the project's change counter, default area and discipline map."""
    with transaction.atomic():
        sequence.ensure_counter(project.pk)
        if not Area.objects.filter(project=project, deleted_at__isnull=True).exists():
            area = Area(project=project, name=DEFAULT_AREA_NAME)
            stamp(project.pk, area)
            area.save()
        Discipline.objects.bulk_create(
            [Discipline(project=project, prefix=p, name=n) for p, n in DEFAULT_DISCIPLINES.items()],
            ignore_conflicts=True,
        )
