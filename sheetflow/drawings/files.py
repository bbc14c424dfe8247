"""Serving a revision's files (sheet PDF, thumbnail, image) to pages and the API.

Files are streamed through Sheetflow, also from object storage, never answered with a
presigned redirect to the bucket: every download is checked against the reader's permissions
when it is made, pages load files from their own origin (the Content-Security-Policy names no
bucket, the bucket needs no CORS rules), and no bearer link to a sheet can leak through
browser history, logs or a forwarded page. Blobs never change, so browsers cache them.
"""

from __future__ import annotations

from django.http import FileResponse

from sheetflow.common.errors import NotFound
from sheetflow.common.http import content_disposition
from sheetflow.drawings.blobs import blob_open, blob_stream
from sheetflow.drawings.models import Blob, Revision, SheetComparison

KINDS = ("sheet", "thumbnail", "image")
# A comparison's images, by the name pages and the API use for them.
COMPARISON_IMAGES = {"overlay": "overlay", "a": "image_a", "b": "image_b"}


def revision_file(revision: Revision, kind: str, *, download: bool = False) -> FileResponse:
    """Stream one of a revision's blobs; blobs never change, so caches may keep them."""
    if kind not in KINDS:
        raise NotFound("No such file.")
    blob: Blob | None = getattr(revision, kind)
    if blob is None:
        raise NotFound("Not rendered yet.")
    name = f"{revision.drawing.number} rev {revision.revision_number}"
    filename = f"{name}.pdf" if kind == "sheet" else f"{name} {kind}.png"
    response = FileResponse(blob_stream(blob), content_type=blob.content_type)
    # Built here rather than by FileResponse so a `/` or non-ASCII text keeps the whole name.
    response["Content-Disposition"] = content_disposition(filename, attachment=download)
    if not response.has_header("Content-Length"):
        # A stream from the bucket has no length of its own; a local file has its real one.
        response["Content-Length"] = blob.size
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["ETag"] = f'"{blob.sha256}"'
    return response


def comparison_image(rev_a: Revision, rev_b: Revision, kind: str) -> FileResponse:
    """One PNG of the computed comparison of two revisions the reader may see."""
    if kind not in COMPARISON_IMAGES:
        raise NotFound("No such image: overlay, a or b.")
    field = COMPARISON_IMAGES[kind]
    comparison = (
        SheetComparison.objects.filter(sha_a=rev_a.sheet_id, sha_b=rev_b.sheet_id)
        .select_related(field)
        .first()
    )
    blob: Blob | None = getattr(comparison, field) if comparison else None
    if blob is None:
        raise NotFound("This comparison is not computed yet.")
    response = FileResponse(blob_open(blob), content_type="image/png")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["ETag"] = f'"{blob.sha256}"'
    return response
