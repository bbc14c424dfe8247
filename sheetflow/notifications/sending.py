"""Sending notification emails in batches: one mail server connection per batch, paced.

Each message is recorded as sent at the one instant that makes it go out at most once (see
``common.mail``); a batch task run twice (a duplicate wake-up, a re-run after its worker died)
skips what an earlier run recorded. A message that fails is tried again later with the others
that failed alongside it, up to ``NOTIFICATION_EMAIL_ATTEMPTS`` times in all.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from sheetflow.common.pacing import Pacer
from sheetflow.notifications import tasks
from sheetflow.notifications.models import Notification

logger = logging.getLogger(__name__)

# One per worker process, so the rate holds across the batches a worker sends in a row.
pacer = Pacer()


def email_batch_size() -> int:
    """Messages sent over one mail server connection (and so per sending task)."""
    return max(1, int(settings.EMAIL_BATCH_SIZE))


def email_rate() -> float:
    """Messages a second a worker hands to an SMTP server (0: no limit)."""
    return float(settings.EMAIL_RATE_PER_SECOND)


def retry_delay(attempt: int) -> timedelta:
    """Backoff after the n-th failed attempt: 30 s, 2 min, 8 min, 32 min…"""
    return timedelta(seconds=30 * 4 ** (attempt - 1))


def _message(note: Notification) -> EmailMultiAlternatives:
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
    return message


def _send_one(connection: Any, note: Notification) -> bool:
    """Send one notification's email over ``connection`` unless already recorded as sent.

    Over SMTP the record is committed just before the server accepts the message; backends
    without a conversation (files, memory) record first, then write. If the send fails after
    the record, the record is taken back, so the message is tried again.
    """
    message = _message(note)
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
        if hasattr(connection, "send_once"):
            return bool(connection.send_once(message, record))
        if not record():
            return False
        message.connection = connection
        message.send()
        return True
    except Exception:
        if recorded:  # the server refused after all: not sent
            Notification.objects.filter(pk=note.pk, email_sent_at=sent_at).update(
                email_sent_at=None
            )
        raise


def _hang_up(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # a connection that broke cannot be closed politely; it is gone anyway
        logger.debug("Closing the mail connection failed", exc_info=True)


def send_emails(notification_ids: list[int]) -> int:
    """Send the emails of these notifications not sent yet; returns how many went out."""
    notes = list(
        Notification.objects.select_related("user")
        .filter(pk__in=notification_ids, email_sent_at__isnull=True)
        .order_by("pk")
    )
    if not notes:
        return 0
    connection = get_connection()
    # Only a mail server has a rate to respect; files and memory take whatever comes.
    rate = email_rate() if hasattr(connection, "send_once") else 0
    failed: list[tuple[Notification, Exception]] = []
    sent = 0
    try:
        for i, note in enumerate(notes):
            try:
                connection.open()  # no-op while open: one conversation for the whole batch
            except Exception as exc:
                # No server to talk to: the rest would fail the same way, one by one.
                failed.extend((rest, exc) for rest in notes[i:])
                break
            pacer.wait(rate)
            try:
                sent += _send_one(connection, note)
            except Exception as exc:
                failed.append((note, exc))
                # A conversation that failed may be out of step: the next message gets a new one.
                _hang_up(connection)
    finally:
        _hang_up(connection)
    if failed:
        _schedule_retries(failed)
    return sent


def _schedule_retries(failed: list[tuple[Notification, Exception]]) -> None:
    """Count the failed attempts and try again later, those with the same count together."""
    again: dict[int, list[int]] = defaultdict(list)
    with transaction.atomic():
        for note, exc in failed:
            attempts = note.email_attempts + 1
            Notification.objects.filter(pk=note.pk).update(
                email_attempts=attempts, email_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            if attempts < settings.NOTIFICATION_EMAIL_ATTEMPTS:
                again[attempts].append(note.pk)
                logger.warning("Email %s failed (attempt %s), retrying", note.pk, attempts)
            else:
                logger.error("Email %s failed %s times, giving up", note.pk, attempts)
        for attempts, ids in again.items():
            tasks.send_notification_emails.using(
                run_after=timezone.now() + retry_delay(attempts)
            ).enqueue(ids)
