"""Revision compare: queue a comparison of two sheets, compute it in the worker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sheetflow.common.errors import ServiceError
from sheetflow.drawings import compare, pdf, pdfjobs, tasks
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
    """Run one of pdf.py's functions on plain data, in a PDF job within its budget."""
    return pdfjobs.run(function, *args, name="the sheet")


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
    # The database queue is a table: the task is queued with the caller's transaction.
    tasks.compare_sheets.enqueue(comparison_id)


def _layers(data_a: bytes, data_b: bytes) -> tuple[pdf.Layers, pdf.Layers]:
    """Both sheets rendered at one scale, the bigger page within the pixel budget."""
    budget = settings.DRAWINGS_COMPARE_PIXELS
    a = run_pdf(pdf.sheet_layers, data_a, budget)
    b = run_pdf(pdf.sheet_layers, data_b, budget)
    if a.scale != b.scale:  # pages of different sizes (rare): render both at one scale
        width, height = max(a.page_width, b.page_width), max(a.page_height, b.page_height)
        scale = pdf.fit_scale(width, height, budget)
        if a.scale != scale:
            a = run_pdf(pdf.sheet_layers, data_a, budget, scale)
        if b.scale != scale:
            b = run_pdf(pdf.sheet_layers, data_b, budget, scale)
    return a, b


def _grey(layers: pdf.Layers) -> np.ndarray:
    return np.frombuffer(layers.pixels, dtype=np.uint8).reshape(layers.height, layers.width)


def _difference(comparison: SheetComparison) -> tuple[compare.Difference, list[str], list[str]]:
    started = time.monotonic()
    limit = settings.DRAWINGS_COMPARE_SECONDS
    try:
        data_a = blob_read(Blob.objects.get(pk=comparison.sha_a))
        data_b = blob_read(Blob.objects.get(pk=comparison.sha_b))
        layers_a, layers_b = _layers(data_a, data_b)
    except Exception as exc:  # pdfium refuses the file: say so, never retry forever
        raise CompareFailed("a sheet could not be rendered") from exc
    if time.monotonic() - started > limit:
        raise CompareFailed(f"it took longer than {limit} seconds")
    difference = compare.difference(_grey(layers_a), _grey(layers_b))
    if time.monotonic() - started > limit:
        raise CompareFailed(f"it took longer than {limit} seconds")
    added, removed = compare.word_changes(layers_a.words, layers_b.words)
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
