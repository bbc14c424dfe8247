"""Drawing tasks: sheet rendering (pdfium runs in the worker, never in a web thread)."""

from __future__ import annotations

from django_tasks import task

from sheetflow.common.periodic import every


@task()
def render_revision(revision_id: int) -> None:
    """Render a revision's thumbnail and viewing image (idempotent)."""
    from sheetflow.drawings.services.rendering import revision_render

    revision_render(revision_id=revision_id)


@task()
def prepare_upload_sheet(sheet_id: int) -> None:
    """Thumbnail, title-block crop and, for pages without text, OCR for the review."""
    from sheetflow.drawings.services.intake import upload_sheet_prepare

    upload_sheet_prepare(sheet_id=sheet_id)


@every(3600)
def expire_uploads() -> None:
    """Uploads left unreviewed for two days go, with the sheets only they held."""
    from sheetflow.drawings.services.uploads import uploads_expire

    uploads_expire()
