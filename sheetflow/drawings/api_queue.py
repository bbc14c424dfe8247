"""API: the downstream review queue (waiting copies, their batches, publishing from it)."""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.common.request import MAX_ID
from sheetflow.drawings import review, services
from sheetflow.drawings.models import BULK_IDS_MAX
from sheetflow.drawings.schemas import PublishReportOut, RevisionOut, report_out, revision_data
from sheetflow.projects.permissions import Action, project_get

router = Router(tags=["review queue"])

P = "/projects/{project_id}/review-queue"


class Mapped:
    """A queryset whose pages hold ``transform(row)``, for ninja's pagination."""

    ordered = True

    def __init__(self, qs: QuerySet[Any], transform: Callable[[Any], Any]) -> None:
        self.qs = qs
        self.transform = transform

    def all(self) -> "Mapped":
        return self

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.transform(row) for row in self.qs[item]]


class QueueQuery(Schema):
    batch: str | None = Field(None, pattern=r"^\d{1,18}$", description="A batch key")
    q: str | None = Field(None, max_length=100, description="Number or title contains")


class ChangeOut(Schema):
    kind: Literal["new_drawing", "new_revision", "older_revision"]
    published_revision_id: int | None
    published_revision_number: str | None
    compare_url: str | None = Field(description="The compare page, where this server has one")


class QueueItemOut(Schema):
    batch: str
    arrived_at: dt.datetime
    drawing_id: int
    number: str
    title: str
    upstream_company_name: str
    upstream_project_name: str
    revision: RevisionOut
    change: ChangeOut


class BatchOut(Schema):
    batch: str = Field(description="Pass as ?batch= to the queue, or to publish")
    arrived_at: dt.datetime
    label: str
    count: int = Field(description="Sheets of this batch still waiting")
    upstream_company_name: str
    upstream_project_name: str


class QueuePublishIn(Schema):
    revision_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None,
        max_length=BULK_IDS_MAX,
        description="Only these (among the matching); else all matching",
    )
    batch: str | None = Field(None, pattern=r"^\d{1,18}$")
    q: str | None = Field(None, max_length=100)
    expected_count: int | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="Refuse (409) unless exactly this many match (all matching)",
    )


def _filters(batch: str | None, q: str | None) -> review.QueueFilters:
    return review.QueueFilters(batch=review.batch_time(batch), q=q or None)


def _item(r: Any) -> dict[str, Any]:
    change = review.change(r)
    published = change["published"]
    d = r.drawing
    return {
        "batch": review.batch_key(r.created_at),
        "arrived_at": r.created_at,
        "drawing_id": d.pk,
        "number": d.number,
        "title": d.title,
        "upstream_company_name": d.upstream_company_name,
        "upstream_project_name": d.upstream_project_name,
        "revision": revision_data(r),
        "change": {
            "kind": change["kind"],
            "published_revision_id": published.pk if published else None,
            "published_revision_number": published.revision_number if published else None,
            "compare_url": change["compare"],
        },
    }


def _batch(b: dict[str, Any]) -> dict[str, Any]:
    return {
        "batch": review.batch_key(b["created_at"]),
        "arrived_at": b["created_at"],
        "label": review.batch_label(b["count"], b["company"], b["created_at"]),
        "count": b["count"],
        "upstream_company_name": b["company"] or "",
        "upstream_project_name": b["source"] or "",
    }


@router.get(P, response={200: list[QueueItemOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def queue_list(request: HttpRequest, project_id: int, query: Query[QueueQuery]) -> object:
    """Connected revisions waiting for review here, newest batch first, with what changed."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_VIEW_UNPUBLISHED
    )
    qs = review.waiting(project=project, filters=_filters(query.batch, query.q)).select_related(
        "drawing", "drawing__current_revision", "drawing_set"
    )
    return Mapped(qs, _item)


@router.get(f"{P}/batches", response={200: list[BatchOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def queue_batches(request: HttpRequest, project_id: int) -> object:
    """The sync batches that still have sheets waiting, newest first."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_VIEW_UNPUBLISHED
    )
    return Mapped(review.batches(project=project), _batch)


@router.get(f"{P}/withdrawn", response={200: list[QueueItemOut], **errors(401, 403, 404, 422)})
@paginate(Pagination)
def queue_withdrawn(request: HttpRequest, project_id: int) -> object:
    """Connected copies their upstream withdrew before they were published here."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_VIEW_UNPUBLISHED
    )
    qs = review.withdrawn(project=project).select_related(
        "drawing__current_revision", "drawing_set"
    )
    return Mapped(qs, _item)


@router.post(f"{P}/publish", response={200: PublishReportOut, **errors(401, 403, 404, 409, 422)})
def queue_publish(request: HttpRequest, project_id: int, payload: QueuePublishIn) -> object:
    """Publish from the queue: the given revisions, a batch, or everything matching (across
    pages; pass ``expected_count`` to refuse if the queue changed since you counted)."""
    project = project_get(
        user=request_user(request), project_id=project_id, action=Action.DRAWINGS_PUBLISH
    )
    return report_out(
        services.queue_publish(
            user=request_user(request),
            project=project,
            filters=_filters(payload.batch, payload.q),
            revision_ids=payload.revision_ids,
            expected=payload.expected_count,
        )
    )
