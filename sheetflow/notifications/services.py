"""Writes: send notifications (in-app + email) and configure distribution lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from sheetflow.accounts.models import User
from sheetflow.common.errors import NotFound, ServiceError
from sheetflow.notifications import tasks
from sheetflow.notifications.models import DistributionList, ListKind, ListMode, Notification
from sheetflow.notifications.selectors import list_candidates
from sheetflow.notifications.sending import email_batch_size
from sheetflow.projects.models import Project


def _render(event: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    base = f"notifications/email/{event}"
    subject = " ".join(render_to_string(f"{base}.subject.txt", context).split())
    text = render_to_string(f"{base}.txt", context).strip() + "\n"
    html = render_to_string(f"{base}.html", context)
    return subject[:200], text, html


@dataclass(frozen=True)
class Message:
    """One event for a set of recipients (see ``notify``)."""

    event: str
    recipients: Iterable[User]
    context: Mapping[str, Any]
    link: str = ""
    project: Project | None = None


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    context: Mapping[str, Any],
    link: str = "",
    project: Project | None = None,
) -> list[Notification]:
    """Notify each recipient once, in the app and by email (sent by a task after commit).

    An event is three templates under ``notifications/email/``: ``<event>.subject.txt``,
    ``<event>.txt`` and ``<event>.html``; they get ``context`` plus ``recipient``, ``url``
    (absolute link to ``link``, the page where the recipient acts) and ``site_url``.
    """
    return notify_many(
        [Message(event=event, recipients=recipients, context=context, link=link, project=project)]
    )


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """Send several messages at once: one insert for all, one email task per batch of them.

    Each message reaches each of its (active) recipients once, exactly as ``notify`` does.
    """
    notes: list[Notification] = []
    for message in messages:
        url = f"{settings.SITE_URL}{message.link}" if message.link.startswith("/") else message.link
        seen: set[int] = set()
        for user in message.recipients:
            if user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            ctx = {**message.context, "recipient": user, "url": url, "site_url": settings.SITE_URL}
            subject, text, html = _render(message.event, ctx)
            notes.append(
                Notification(
                    user=user,
                    event=message.event,
                    project=message.project,
                    subject=subject,
                    body=text,
                    html=html,
                    link=message.link,
                )
            )
    if not notes:
        return []
    size = email_batch_size()
    with transaction.atomic():
        created = Notification.objects.bulk_create(notes)
        # The database task backend commits the tasks with the rows: no send if we roll back.
        for start in range(0, len(created), size):
            tasks.send_notification_emails.enqueue([n.pk for n in created[start : start + size]])
    return created


def distribution_list_update(
    *, project: Project, kind: ListKind | str, mode: ListMode | str, users: Iterable[User] = ()
) -> DistributionList:
    """Choose who a project's list notifies: all admins, or specific eligible users.

    Assumes the users exist (``notifications.list_choice`` reads them); refuses users who
    are not eligible.

    Needs ``connections.settings`` on the project, checked by the caller.
    """
    kind, mode = ListKind(kind), ListMode(mode)
    chosen = {u.pk for u in users}
    if mode == ListMode.SPECIFIC:
        if not chosen:
            raise ServiceError("Choose at least one person for the list.", code="list_empty")
        eligible = set(
            list_candidates(project=project, kind=kind)
            .filter(pk__in=chosen)
            .values_list("pk", flat=True)
        )
        if chosen - eligible:
            raise ServiceError(
                "Only the tool's admins in this project or its company's admins can be chosen.",
                code="list_user_not_eligible",
            )
    with transaction.atomic():
        setting, _ = DistributionList.objects.select_for_update().get_or_create(
            project=project, kind=kind
        )
        setting.mode = mode
        setting.updated_at = timezone.now()
        setting.save(update_fields=["mode", "updated_at"])
        setting.users.set(chosen if mode == ListMode.SPECIFIC else [])
    return setting


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read."""
    note = Notification.objects.filter(user=user, pk=notification_id).first()
    if note is None:
        raise NotFound("Notification not found.")
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
