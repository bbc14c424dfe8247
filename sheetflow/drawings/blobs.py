"""The content-addressed blob store: bytes kept once under their SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import IO, cast

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from sheetflow.drawings.models import Blob, Revision, SheetComparison, UploadSheet

_CHUNK = 1024 * 1024


# Blobs whose bytes the current tracked block wrote, so a failure can take them back
# (a context variable: each thread or task has its own).
_written: ContextVar[list[Blob] | None] = ContextVar("sheetflow_blobs_written", default=None)


def blob_path(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _digest(data: bytes | IO[bytes]) -> tuple[str, int]:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data)
    h, size = hashlib.sha256(), 0
    data.seek(0)
    while chunk := data.read(_CHUNK):
        h.update(chunk)
        size += len(chunk)
    data.seek(0)
    return h.hexdigest(), size


def blob_put(data: bytes | IO[bytes], content_type: str) -> Blob:
    """Store bytes (or a file) once; identical bytes return the existing Blob."""
    sha, size = _digest(data)
    existing = Blob.objects.filter(pk=sha).first()
    if existing is not None:
        if not default_storage.exists(existing.path):
            _save(sha, data)
        return existing
    _save(sha, data)
    try:
        with transaction.atomic():
            blob = Blob.objects.create(sha256=sha, size=size, content_type=content_type)
    except IntegrityError:
        # Someone stored the same bytes at the same moment: theirs is ours.
        return Blob.objects.get(pk=sha)
    written = _written.get()
    if written is not None:
        written.append(blob)
    return blob


def _save(sha: str, data: bytes | IO[bytes]) -> str:
    path = blob_path(sha)
    if default_storage.exists(path):
        return path
    content: File[bytes] = ContentFile(data) if isinstance(data, bytes) else File(data)
    saved = default_storage.save(path, content)
    if saved != path:  # a concurrent writer won the name; the bytes are identical
        default_storage.delete(saved)
    return path


def _remove_unreferenced(path: str) -> None:
    sha = path.rsplit("/", 1)[-1]
    if not Blob.objects.filter(pk=sha).exists():
        default_storage.delete(path)


@contextmanager
def tracked_writes() -> Iterator[list[Blob]]:
    """Remove bytes of blobs first stored inside the block if the block fails.

    Use around a transaction that stores blobs: when it raises, the Blob rows roll back
    with it and this removes their files, so a refused upload leaves nothing behind.
    """
    written: list[Blob] = []
    token = _written.set(written)
    try:
        yield written
    except BaseException:
        for blob in written:
            _remove_unreferenced(blob.path)
        raise
    finally:
        _written.reset(token)


def blob_open(blob: Blob) -> IO[bytes]:
    return default_storage.open(blob.path, "rb")


def blob_stream(blob: Blob) -> IO[bytes]:
    """Open a blob to send it on as it is read (a download), without holding it whole.

    From object storage this reads the object's body as it arrives: the storage's own file
    would first copy the whole object into a temporary file before the first byte goes out.
    """
    from storages.backends.s3 import S3Storage

    if isinstance(default_storage, S3Storage):
        key = default_storage._normalize_name(blob.path)  # the bucket prefix, if configured
        body = default_storage.bucket.Object(key).get()["Body"]
        return cast("IO[bytes]", body)  # botocore's StreamingBody, read as a binary file
    return blob_open(blob)


def blob_read(blob: Blob) -> bytes:
    with blob_open(blob) as f:
        return f.read()


def referenced_shas() -> set[str]:
    """Every blob some row points at (revisions, including tombstones, pending uploads, and
    the images of comparisons)."""
    refs: set[str] = set()
    for field in ("sheet_id", "thumbnail_id", "image_id"):
        refs.update(
            Revision.objects.exclude(**{f"{field}__isnull": True})
            .values_list(field, flat=True)
            .distinct()
            .iterator()
        )
    refs.update(UploadSheet.objects.values_list("sheet_id", flat=True).distinct().iterator())
    for field in ("overlay_id", "image_a_id", "image_b_id"):
        refs.update(
            SheetComparison.objects.exclude(**{f"{field}__isnull": True})
            .values_list(field, flat=True)
            .iterator()
        )
    return refs


def _forget_comparisons(sheets: set[str]) -> None:
    """Drop comparisons of sheets nothing holds any more, so their images can go too."""
    gone = [
        pk
        for pk, a, b in SheetComparison.objects.values_list("pk", "sha_a", "sha_b").iterator()
        if a not in sheets or b not in sheets
    ]
    for start in range(0, len(gone), 500):
        SheetComparison.objects.filter(pk__in=gone[start : start + 500]).delete()


def purge_unreferenced(*, grace: timedelta = timedelta(hours=1)) -> int:
    """Delete blobs (rows and bytes) nothing references; returns how many.

    Blobs younger than ``grace`` are kept: a write that stored them may not have committed
    the row that references them yet.
    """
    _forget_comparisons(referenced_shas())
    refs = referenced_shas()
    removed = 0
    cutoff = timezone.now() - grace
    candidates = Blob.objects.filter(created_at__lt=cutoff).values_list("sha256", flat=True)
    for sha in list(candidates.iterator()):
        if sha in refs:
            continue
        try:
            with transaction.atomic():
                deleted, _ = Blob.objects.filter(pk=sha).delete()
        except ProtectedError:  # referenced since we looked
            continue
        if deleted:
            default_storage.delete(blob_path(sha))
            removed += 1
    return removed
