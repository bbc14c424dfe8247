"""Email delivery of notifications: one task per notification, retried with backoff."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
    """Send one notification's email; on failure enqueue itself again later (a few times)."""
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or note.email_sent_at is not None:
        return  # gone, or already sent by an earlier run: sending twice would duplicate mail
    message = EmailMultiAlternatives(
        subject=note.subject,
        body=note.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[note.user.email],
    )
    if note.html:
        message.attach_alternative(note.html, "text/html")
    try:
        message.send()
    except Exception as exc:
        attempts = note.email_attempts + 1
        with transaction.atomic():
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
    Notification.objects.filter(pk=note.pk).update(
        email_sent_at=timezone.now(), email_attempts=note.email_attempts + 1, email_error=""
    )
