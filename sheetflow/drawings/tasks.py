"""Drawing tasks: sheet rendering (pdfium runs in the worker, never in a web thread)."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every


@task()
def render_revision(revision_id: int) -> None:
    """Render a revision's thumbnail and viewing image (idempotent)."""
    from sheetflow.drawings.services.rendering import revision_render

    revision_render(revision_id=revision_id)


@every(3600)
def expire_uploads() -> None:
    """Uploads left unreviewed for two days go, with the sheets only they held."""
    from sheetflow.drawings.services.uploads import uploads_expire

    uploads_expire()


@task()
def compare_sheets(comparison_id: int) -> None:
    """Compute the difference between two sheets (idempotent: a finished one is kept)."""
    from sheetflow.drawings.services.comparing import comparison_compute

    comparison_compute(comparison_id=comparison_id)
