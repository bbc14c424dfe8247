"""API: the signed-in user's notifications."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from sheetflow.accounts.authed import request_user
from sheetflow.common.api import Pagination, errors
from sheetflow.notifications import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    subject: str
    body: str
    url: str
    project_id: int | None
    created_at: datetime
    read_at: datetime | None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get("/notifications", response={200: list[NotificationOut], **errors(401, 422)})
@paginate(Pagination)
def notification_list(request: HttpRequest, unread: bool = False) -> object:
    """Your notifications, newest first (`unread=true` for unread ones only)."""
    return selectors.notifications_for(user=request_user(request), unread=unread)


@router.get("/notifications/unread-count", response={200: UnreadOut, **errors(401)})
def notification_unread_count(request: HttpRequest) -> object:
    """How many of your notifications are unread."""
    return {"unread": selectors.unread_count(user=request_user(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **errors(401, 404, 422)},
)
def notification_read(request: HttpRequest, notification_id: int) -> object:
    """Mark one of your notifications read."""
    return services.notification_mark_read(
        user=request_user(request), notification_id=notification_id
    )


@router.post("/notifications/read-all", response={200: MarkedOut, **errors(401)})
def notification_read_all(request: HttpRequest) -> object:
    """Mark all your notifications read."""
    return {"marked": services.notifications_mark_all_read(user=request_user(request))}
