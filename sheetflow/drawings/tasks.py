"""Drawing tasks: sheet rendering (pdfium runs in the worker, never in a web thread)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone
from django_tasks import task

from sheetflow.common.periodic import every
from sheetflow.common.retry import retry_deadlocks

# Like every app's tasks module, this one imports what it runs inside each task: the
# services that queue these tasks import this one.


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
        retry_deadlocks(partial(revision_render, revision_id=revision_id))


def render_copies_later(revision_ids: list[int]) -> None:
    """Queue the rendering lookup for copies, a little later.

    By then the upstream sheet's own rendering has usually run (it fills every revision of
    the sheet that exists), so this is a lookup, not a second rendering of the same sheet.
    """
    when = timezone.now() + dt.timedelta(seconds=5)
    render_revisions.using(run_after=when).enqueue(revision_ids)


@every(10)
def render_missing() -> None:
    """Sheets left without a rendering (a worker died mid-task) are queued again, one each."""
    from sheetflow.drawings.services.rendering import revisions_unrendered

    for revision_id in revisions_unrendered():
        render_revision.enqueue(revision_id=revision_id)


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


@task()
def compare_sheets(comparison_id: int) -> None:
    """Compute the difference between two sheets (idempotent: a finished one is kept)."""
    from sheetflow.drawings.services.comparing import comparison_compute

    comparison_compute(comparison_id=comparison_id)
