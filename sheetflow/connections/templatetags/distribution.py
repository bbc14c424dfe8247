"""`{% distribution_summary %}`: the revision page's "Distribution: 7 of 9 published" line."""

from __future__ import annotations

from typing import Any

from django import template

from sheetflow.connections import distribution as dist
from sheetflow.projects.permissions import Action, can

register = template.Library()


@register.inclusion_tag("connections/_distribution_summary.html", takes_context=True)
def distribution_summary(context: Any, project: Any, revision: Any) -> dict[str, Any]:
    """Shown to the upstream's connection manager admins only, when there are downstreams."""
    user = context.get("user")
    if user is None or not can(user, project, Action.DISTRIBUTION_VIEW):
        return {"summary": None}
    return {
        "summary": dist.summary(project, revision),
        "project": project,
        "revision": revision,
    }
