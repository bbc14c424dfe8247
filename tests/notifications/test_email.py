"""Emails: both parts, an absolute link, sent by a task after commit, retried on failure,
and delivered to a real SMTP server."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sheetflow.connections.models import Connection
from sheetflow.notifications.models import Notification
from sheetflow.notifications.services import notify
from tests.cast import Cast


def test_a_request_email_has_text_and_html_and_links_to_the_review_page(
    cast: Cast, pending: Connection, drain_tasks: Callable, settings: Any
) -> None:
    drain_tasks()
    [message] = [m for m in mail.outbox if m.to == [cast.gc_pm.email]]
    review = f"{settings.SITE_URL}/projects/{cast.gc_project.pk}/connections/{pending.pk}/"
    assert "wants to connect" in message.subject
    assert review in message.body and "Bella Shaw" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and f'href="{review}"' in html


def test_nothing_is_sent_until_the_transaction_commits(cast: Cast, drain_tasks: Callable) -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        notify(
            event="connection_request_sent",
            recipients=[cast.sub_pm],
            context={"upstream": cast.gc_project, "downstream": cast.sub_project},
            link="/",
        )
        assert mail.outbox == []  # the web request never sends mail itself
        raise Abort
    assert drain_tasks() == 0
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.fixture
def clock(time_machine) -> Callable[[timedelta], None]:  # type: ignore[no-untyped-def]
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    return lambda delta: time_machine.move_to(start + delta, tick=False)


def test_a_failed_send_is_retried_later(
    cast: Cast,
    drain_tasks: Callable,
    clock: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_send = EmailMultiAlternatives.send

    def refuse(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    [note] = notify(
        event="connection_request_sent",
        recipients=[cast.sub_pm],
        context={"upstream": cast.gc_project, "downstream": cast.sub_project},
        link="/",
    )
    assert drain_tasks() == 1
    note.refresh_from_db()
    assert note.email_attempts == 1 and "connection lost" in note.email_error
    assert note.email_sent_at is None
    assert DBTaskResult.objects.ready().count() == 0  # deferred, not due yet
    assert drain_tasks() == 0
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    clock(timedelta(seconds=31))
    assert drain_tasks() == 1
    note.refresh_from_db()
    assert note.email_sent_at is not None and note.email_attempts == 2
    assert [m.to for m in mail.outbox] == [[cast.sub_pm.email]]


def test_it_gives_up_after_the_last_attempt(
    cast: Cast,
    drain_tasks: Callable,
    clock: Callable,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.NOTIFICATION_EMAIL_ATTEMPTS = 2

    def refuse(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        raise OSError("no route to host")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    [note] = notify(
        event="connection_request_sent",
        recipients=[cast.sub_pm],
        context={"upstream": cast.gc_project, "downstream": cast.sub_project},
        link="/",
    )
    drain_tasks()
    clock(timedelta(hours=1))
    assert drain_tasks() == 1
    clock(timedelta(hours=2))
    assert drain_tasks() == 0
    note.refresh_from_db()
    assert note.email_attempts == 2 and note.email_sent_at is None


def test_an_email_already_sent_is_not_sent_twice(cast: Cast, drain_tasks: Callable) -> None:
    from sheetflow.notifications.tasks import send_notification_email

    [note] = notify(
        event="connection_request_sent",
        recipients=[cast.sub_pm],
        context={"upstream": cast.gc_project, "downstream": cast.sub_project},
        link="/",
    )
    send_notification_email.enqueue(note.pk)  # a duplicate wake-up
    drain_tasks()
    assert len(mail.outbox) == 1


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "sheetflow.common.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()


def test_a_real_smtp_server_receives_the_request_with_both_parts(
    cast: Cast, review_required: None, smtp_server: Inbox, drain_tasks: Callable
) -> None:
    from sheetflow.connections.services import connection_request

    connection_request(user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project)
    drain_tasks()
    to_gary = [e for e in smtp_server.received if cast.gc_pm.email in e.rcpt_tos]
    assert len(to_gary) == 1
    message = message_from_bytes(to_gary[0].content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "Riverside Electrical" in message["Subject"]
    assert "Approve or reject" in parts["text/plain"] and "<strong>" in parts["text/html"]
    assert Notification.objects.get(user=cast.gc_pm).email_sent_at is not None


def test_a_send_already_recorded_by_another_run_is_dropped_by_the_server(
    cast: Cast, smtp_server: Inbox
) -> None:
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection()
    message = EmailMessage("Hello", "Body", "a@example.test", ["b@example.test"])
    assert connection.send_once(message, lambda: False) is False
    assert connection.send_once(message, lambda: True) is True
    assert [e.rcpt_tos for e in smtp_server.received] == [["b@example.test"]]
