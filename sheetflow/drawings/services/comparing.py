"""Revision compare: queue a comparison of two sheets, compute it in the worker."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import compare, pdf
from sheetflow.drawings.blobs import blob_put, blob_read, tracked_writes
from sheetflow.drawings.models import Blob, ComparisonStatus, Revision, SheetComparison

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A comparison still pending this long after it was asked for lost its task (a worker that
# died, a queue that was cleared): asking again queues it again, up to MAX_ATTEMPTS runs.
STALE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class CompareFailed(Exception):
    """A comparison that cannot be made (unreadable sheet, over its budget)."""


def run_pdf(function: Callable[..., T], *args: Any) -> T:
    """Run one of pdf.py's functions on plain data (the one place to route it elsewhere)."""
    return function(*args)


def comparison_request(*, revision_a: Revision, revision_b: Revision) -> SheetComparison:
    """The comparison of two revisions of one drawing, queued for the worker if not made yet."""
    if revision_a.drawing_id != revision_b.drawing_id:
        raise ServiceError(
            "Only two revisions of the same drawing can be compared.", code="different_drawings"
        )
    pair = {"sha_a": revision_a.sheet_id, "sha_b": revision_b.sheet_id}
    comparison = SheetComparison.objects.filter(**pair).first()
    if comparison is None:
        try:
            with transaction.atomic():
                comparison = SheetComparison.objects.create(**pair)
        except IntegrityError:  # asked for at the same moment by someone else
            return SheetComparison.objects.get(**pair)
        _enqueue(comparison.pk)
        return comparison
    stale = timezone.now() - STALE
    # Only the request that moves requested_at queues it again.
    if (
        comparison.status == ComparisonStatus.PENDING
        and comparison.requested_at < stale
        and SheetComparison.objects.filter(
            pk=comparison.pk, status=ComparisonStatus.PENDING, requested_at__lt=stale
        ).update(requested_at=timezone.now())
    ):
        _enqueue(comparison.pk)
    return comparison


def _enqueue(comparison_id: int) -> None:
    from sheetflow.drawings.tasks import compare_sheets

    # The database queue is a table: the task is queued with the caller's transaction.
    compare_sheets.enqueue(comparison_id)


def _rendering(data: bytes, scale: float) -> np.ndarray:
    width, height, pixels = run_pdf(pdf.render_gray, data, scale)
    return np.frombuffer(pixels, dtype=np.uint8).reshape(height, width)


def _scale(data_a: bytes, data_b: bytes) -> float:
    """Pixels per point so that the bigger of the two pages fits the pixel budget."""
    (wa, ha), (wb, hb) = run_pdf(pdf.page_size, data_a), run_pdf(pdf.page_size, data_b)
    width, height = max(wa, wb), max(ha, hb)
    if width <= 0 or height <= 0:
        raise CompareFailed("a sheet has no page size")
    budget = settings.DRAWINGS_COMPARE_PIXELS
    scale = float((budget / (width * height)) ** 0.5)
    # pdfium rounds the bitmap's sides up: step down until the rounded size fits too.
    while math.ceil(width * scale) * math.ceil(height * scale) > budget:
        scale *= 0.999
    return scale


def _difference(comparison: SheetComparison) -> tuple[compare.Difference, list[str], list[str]]:
    started = time.monotonic()
    limit = settings.DRAWINGS_COMPARE_SECONDS

    def in_time() -> None:
        if time.monotonic() - started > limit:
            raise CompareFailed(f"it took longer than {limit} seconds")

    try:
        data_a = blob_read(Blob.objects.get(pk=comparison.sha_a))
        data_b = blob_read(Blob.objects.get(pk=comparison.sha_b))
        scale = _scale(data_a, data_b)
        image_a = _rendering(data_a, scale)
        in_time()
        image_b = _rendering(data_b, scale)
        in_time()
        words_a = run_pdf(pdf.page_words, data_a)
        words_b = run_pdf(pdf.page_words, data_b)
    except CompareFailed:
        raise
    except Exception as exc:  # pdfium refuses the file: say so, never retry forever
        raise CompareFailed("a sheet could not be rendered") from exc
    difference = compare.difference(image_a, image_b)
    in_time()
    added, removed = compare.word_changes(words_a, words_b)
    return difference, added, removed


def comparison_compute(*, comparison_id: int) -> None:
    """Compute a queued comparison; a computed (or given-up) one is left as it is."""
    with transaction.atomic():
        comparison = SheetComparison.objects.select_for_update().filter(pk=comparison_id).first()
        if comparison is None or comparison.status != ComparisonStatus.PENDING:
            return
        comparison.attempts += 1
        comparison.save(update_fields=["attempts"])
    if comparison.attempts > MAX_ATTEMPTS:
        _finish(comparison_id, error="it failed every time it was tried")
        return
    started = time.monotonic()
    try:
        difference, added, removed = _difference(comparison)
    except CompareFailed as exc:
        _finish(comparison_id, error=str(exc))
        return
    except Exception:
        logger.exception("Could not compare sheets (comparison %s)", comparison_id)
        _finish(comparison_id, error="an unexpected error occurred")
        return
    with tracked_writes():
        overlay = blob_put(difference.overlay, "image/png")
        image_a = blob_put(difference.image_a, "image/png")
        image_b = blob_put(difference.image_b, "image/png")
        _finish(
            comparison_id,
            fields={
                "width": difference.width,
                "height": difference.height,
                "regions": [list(box) for box in difference.regions],
                "words_added": added,
                "words_removed": removed,
                "overlay": overlay,
                "image_a": image_a,
                "image_b": image_b,
                "seconds": round(time.monotonic() - started, 3),
            },
        )


def _finish(comparison_id: int, *, error: str = "", fields: dict[str, Any] | None = None) -> None:
    """Record the outcome once (a second run that finishes later changes nothing)."""
    with transaction.atomic():
        comparison = SheetComparison.objects.select_for_update().filter(pk=comparison_id).first()
        if comparison is None or comparison.status != ComparisonStatus.PENDING:
            return
        for name, value in (fields or {}).items():
            setattr(comparison, name, value)
        comparison.status = ComparisonStatus.FAILED if error else ComparisonStatus.READY
        comparison.error = error[:300]
        comparison.computed_at = timezone.now()
        comparison.save()
