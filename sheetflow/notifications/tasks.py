"""Email delivery of notifications: a task per batch of emails, retried with backoff."""

from __future__ import annotations

from django_tasks import task

# Like every app's tasks module, this one imports what it runs inside each task: the
# modules that queue these tasks import this one.


@task()
def send_notification_emails(notification_ids: list[int]) -> None:
    """Send a batch of notifications' emails over one connection (see ``sending``).

    Safe to run twice: a message already recorded as sent is skipped, and a kill at any
    instant neither loses a message nor sends it twice, but for a window of microseconds in
    which it is lost rather than duplicated (at most once).
    """
    from sheetflow.notifications.sending import send_emails

    send_emails(notification_ids)


@task()
def send_notification_email(notification_id: int) -> None:
    """Send one notification's email (tasks queued before emails went out in batches)."""
    from sheetflow.notifications.sending import send_emails

    send_emails([notification_id])
