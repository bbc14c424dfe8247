"""Drawing tasks: sheet rendering (pdfium runs in the worker, never in a web thread)."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.common.retry import retry_deadlocks


@task()
def render_revision(revision_id: int) -> None:
    """Render a revision's thumbnail and viewing image (idempotent)."""
    from sheetflow.drawings.services.rendering import revision_render

    retry_deadlocks(lambda: revision_render(revision_id=revision_id))


@task()
def render_revisions(revision_ids: list[int]) -> None:
    """Give revisions the rendering of their sheet (connected copies: usually a lookup)."""
    from sheetflow.drawings.services.rendering import revision_render

    for revision_id in revision_ids:
        retry_deadlocks(lambda rid=revision_id: revision_render(revision_id=rid))  # type: ignore[misc]


@every(10)
def render_missing() -> None:
    """Sheets left without a rendering (a worker died mid-task) are queued again."""
    from sheetflow.drawings.services.rendering import revisions_unrendered

    ids = revisions_unrendered()
    if ids:
        render_revisions.enqueue(ids)


@every(3600)
def expire_uploads() -> None:
    """Uploads left unreviewed for two days go, with the sheets only they held."""
    from sheetflow.drawings.services.uploads import uploads_expire

    uploads_expire()
