"""Rendering sheets to images (runs in the worker)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from sheetflow.drawings import pdfjobs
from sheetflow.drawings.blobs import blob_put, blob_read, tracked_writes
from sheetflow.drawings.models import Revision

logger = logging.getLogger(__name__)


def _widths() -> tuple[int, int]:
    return (
        settings.DRAWINGS_THUMBNAIL_WIDTH,
        settings.DRAWINGS_IMAGE_WIDTH,
    )


def revision_render(*, revision_id: int) -> None:
    """Give a revision its thumbnail and image, reusing any earlier rendering of the same sheet."""
    revision = Revision.objects.filter(pk=revision_id).first()
    if revision is None or (revision.thumbnail_id and revision.image_id):
        return
    # Identical sheets (a connected copy, a re-upload) share one rendering.
    done = (
        Revision.objects.filter(
            sheet_id=revision.sheet_id, thumbnail__isnull=False, image__isnull=False
        )
        .values_list("thumbnail_id", "image_id")
        .first()
    )
    failed = False
    thumbnail_id: str | None
    image_id: str | None
    with tracked_writes():
        if done:
            thumbnail_id, image_id = done
        else:
            thumb_width, image_width = _widths()
            try:
                # In a child process within the PDF budget: a sheet over it is marked as
                # "could not be rendered" (the pages show a placeholder), never a stuck task.
                thumbnail, image = pdfjobs.render_pngs(
                    blob_read(revision.sheet), (thumb_width, image_width), name=str(revision.pk)
                )
                thumbnail_id = blob_put(thumbnail, "image/png").pk
                image_id = blob_put(image, "image/png").pk
            except pdfjobs.PdfTooComplex:
                logger.warning("Revision %s is over the PDF budget; not rendered", revision_id)
                thumbnail_id = image_id = None
                failed = True
            except Exception:
                logger.exception("Could not render revision %s", revision_id)
                thumbnail_id = image_id = None
                failed = True
        # Derived data only: no change number, no counter (see sequence.py's lock order), so
        # this never waits on a publish. Every revision of the same sheet blob (connected
        # copies downstream, re-uploads) gets the rendering in the same statement; a copy
        # made while this ran is given it by the task the sync engine queues for it.
        with transaction.atomic():
            Revision.objects.filter(
                sheet_id=revision.sheet_id, thumbnail__isnull=True, image__isnull=True
            ).update(thumbnail_id=thumbnail_id, image_id=image_id, render_failed=failed)


def revisions_unrendered(*, limit: int = 50) -> list[int]:
    """One revision per sheet still without a rendering (nor a failed one) after the delay."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.DRAWINGS_RENDER_RETRY_SECONDS)
    # Rendering one revision of a sheet fills every revision of that sheet.
    return list(
        Revision.objects.filter(
            thumbnail__isnull=True,
            render_failed=False,
            deleted_at__isnull=True,
            created_at__lt=cutoff,
        )
        .values("sheet_id")
        .annotate(first=Min("pk"))
        .order_by("first")
        .values_list("first", flat=True)[:limit]
    )
