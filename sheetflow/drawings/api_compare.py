"""API: revision compare (request a comparison of two revisions, read it when ready)."""

from __future__ import annotations

from typing import Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import errors
from sheetflow.common.errors import ServiceError
from sheetflow.common.request import MAX_ID
from sheetflow.drawings import files, selectors
from sheetflow.drawings.models import ComparisonStatus, Revision, SheetComparison
from sheetflow.drawings.services.comparing import comparison_request
from sheetflow.projects.permissions import Action, project_get

router = Router(tags=["compare"])

P = "/projects/{project_id}"


class PairIn(Schema):
    a: int = Field(..., ge=1, le=MAX_ID, description="The first (older) revision: red.")
    b: int = Field(..., ge=1, le=MAX_ID, description="The second (newer) revision: blue.")


class RegionOut(Schema):
    x: int
    y: int
    width: int
    height: int


class ComparisonOut(Schema):
    status: Literal["pending", "ready", "failed"]
    revision_a: int
    revision_b: int
    drawing_id: int
    width: int = Field(description="Pixels of the aligned canvas the regions are measured in.")
    height: int
    region_count: int
    regions: list[RegionOut]
    words_added: list[str]
    words_removed: list[str]
    error: str
    overlay_url: str | None
    image_a_url: str | None
    image_b_url: str | None


def _pair(request: HttpRequest, project_id: int, pair: PairIn) -> tuple[Revision, Revision]:
    user = request_user(request)
    project = project_get(user=user, project_id=project_id, action=Action.DRAWINGS_VIEW)
    rev_a = selectors.revision_get(user=user, project=project, revision_id=pair.a)
    rev_b = selectors.revision_get(user=user, project=project, revision_id=pair.b)
    if rev_a.drawing_id != rev_b.drawing_id:
        raise ServiceError(
            "Only two revisions of the same drawing can be compared.", code="different_drawings"
        )
    return rev_a, rev_b


def _out(
    project_id: int, rev_a: Revision, rev_b: Revision, comparison: SheetComparison
) -> ComparisonOut:
    ready = comparison.status == ComparisonStatus.READY

    def url(kind: str) -> str | None:
        if not ready:
            return None
        path = reverse("api:drawing_comparison_image", args=[project_id, kind])
        return f"{path}?a={rev_a.pk}&b={rev_b.pk}"

    return ComparisonOut(
        status=comparison.status,  # type: ignore[arg-type]
        revision_a=rev_a.pk,
        revision_b=rev_b.pk,
        drawing_id=rev_a.drawing_id,
        width=comparison.width,
        height=comparison.height,
        region_count=len(comparison.regions) if ready else 0,
        regions=[RegionOut(x=x, y=y, width=w, height=h) for x, y, w, h in comparison.regions],
        words_added=comparison.words_added,
        words_removed=comparison.words_removed,
        error=comparison.error,
        overlay_url=url("overlay"),
        image_a_url=url("a"),
        image_b_url=url("b"),
    )


def _same(rev_a: Revision, rev_b: Revision) -> ComparisonOut:
    """Two revisions with the same sheet file (or one revision twice): nothing changed."""
    return ComparisonOut(
        status="ready",
        revision_a=rev_a.pk,
        revision_b=rev_b.pk,
        drawing_id=rev_a.drawing_id,
        width=0,
        height=0,
        region_count=0,
        regions=[],
        words_added=[],
        words_removed=[],
        error="",
        overlay_url=None,
        image_a_url=None,
        image_b_url=None,
    )


@router.get(
    f"{P}/comparisons",
    response={200: ComparisonOut, 202: ComparisonOut, **errors(400, 401, 403, 404, 422)},
)
def comparison_detail(request: HttpRequest, project_id: int, pair: Query[PairIn]) -> object:
    """Compare two revisions of one drawing: asked for on the first request and computed by
    the worker; 202 while computing, then 200 with the changed regions and words (or the
    reason it could not be compared). Two revisions of one sheet file answer 200 at once
    with nothing changed and no images."""
    rev_a, rev_b = _pair(request, project_id, pair)
    if rev_a.sheet_id == rev_b.sheet_id:
        return Status(200, _same(rev_a, rev_b))
    comparison = comparison_request(revision_a=rev_a, revision_b=rev_b)
    code = 202 if comparison.status == ComparisonStatus.PENDING else 200
    return Status(code, _out(project_id, rev_a, rev_b, comparison))


@router.get(
    f"{P}/comparisons/images/{{kind}}",
    response={200: None, **errors(400, 401, 403, 404, 422)},
    url_name="drawing_comparison_image",
)
def comparison_image(
    request: HttpRequest, project_id: int, kind: str, pair: Query[PairIn]
) -> FileResponse:
    """A computed comparison's PNG: ``overlay``, or ``a`` or ``b`` (the aligned renderings)."""
    rev_a, rev_b = _pair(request, project_id, pair)
    return files.comparison_image(rev_a, rev_b, kind)
