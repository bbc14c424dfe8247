"""Template tags for pages outside the drawings tool that point at its review queue."""

from __future__ import annotations

from typing import Any

from django import template

from sheetflow.drawings import review
from sheetflow.projects.models import Project
from sheetflow.projects.permissions import Action, can

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_for_review(context: dict[str, Any], project: Project) -> int | None:
    """How many connected sheets wait for review here; None for people who cannot publish."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not can(user, project, Action.DRAWINGS_PUBLISH):
        return None
    return review.waiting_count(project=project)
