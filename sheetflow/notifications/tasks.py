"""Email delivery of notifications: one task per notification, retried with backoff."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from sheetflow.notifications.models import Notification

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """Backoff after the n-th failed attempt: 30 s, 2 min, 8 min, 32 min…"""
    return timedelta(seconds=30 * 4 ** (attempt - 1))


@task()
def send_notification_email(notification_id: int) -> None:
    """Send one notification's email; on failure enqueue itself again later (a few times).

    Safe to run twice (a duplicate wake-up, or a re-run after the worker died): the send is
    recorded with a compare-and-set on ``email_sent_at``. Over SMTP the record is committed
    at the last moment before the server accepts the message (see common.mail), so a kill at
    any instant neither loses the email nor sends it twice, but for a window of microseconds
    in which it is lost rather than duplicated (at most once). Backends without a conversation
    (files, memory) record first, then write.
    """
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or note.email_sent_at is not None:
        return  # gone, or already sent by an earlier run: sending twice would duplicate mail
    message = EmailMultiAlternatives(
        subject=note.subject,
        body=note.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[note.user.email],
        # Lets a mail system (and the tests) tell one notification's email from another's.
        headers={"X-Sheetflow-Notification": str(note.pk)},
    )
    if note.html:
        message.attach_alternative(note.html, "text/html")
    sent_at = timezone.now()
    recorded = False

    def record() -> bool:
        nonlocal recorded
        recorded = bool(
            Notification.objects.filter(pk=note.pk, email_sent_at__isnull=True).update(
                email_sent_at=sent_at, email_attempts=note.email_attempts + 1, email_error=""
            )
        )
        return recorded

    try:
        connection = get_connection()
        if hasattr(connection, "send_once"):
            connection.send_once(message, record)
        elif record():
            message.connection = connection
            message.send()
    except Exception as exc:
        attempts = note.email_attempts + 1
        with transaction.atomic():
            if recorded:  # the server refused after all: not sent
                Notification.objects.filter(pk=note.pk, email_sent_at=sent_at).update(
                    email_sent_at=None
                )
            Notification.objects.filter(pk=note.pk).update(
                email_attempts=attempts, email_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            if attempts < settings.NOTIFICATION_EMAIL_ATTEMPTS:
                send_notification_email.using(
                    run_after=timezone.now() + retry_delay(attempts)
                ).enqueue(note.pk)
                logger.warning("Email %s failed (attempt %s), retrying", note.pk, attempts)
            else:
                logger.error("Email %s failed %s times, giving up", note.pk, attempts)
        return
