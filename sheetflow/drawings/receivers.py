"""Every new project gets a change counter, a default area and the default discipline map."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from sheetflow.drawings.services.setup import project_setup
from sheetflow.projects.signals import project_created


@receiver(project_created)
def _project_created(sender: Any, project: Any, **kwargs: Any) -> None:
    project_setup(project=project)
