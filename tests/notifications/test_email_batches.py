"""Emails in batches: one SMTP connection per batch, paced to the configured rate, each
message once, failures retried together; against a real SMTP server."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from itertools import pairwise
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sheetflow.accounts.models import User
from sheetflow.accounts.services import user_create
from sheetflow.common.pacing import Pacer
from sheetflow.notifications import sending
from sheetflow.notifications.models import Notification
from sheetflow.notifications.services import notify
from tests.cast import PASSWORD, Cast


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Server:
    """An aiosmtpd handler noting, for each message, its connection and the pacing clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.received: list[tuple[Any, str, float]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        note = message_from_bytes(envelope.content)["X-Sheetflow-Notification"]
        # The session is the connection: its peer address and port are unique while it lasts.
        self.received.append((session.peer, note, self.clock.now))
        return "250 Message accepted"

    def per_connection(self) -> list[int]:
        return list(Counter(peer for peer, _, _ in self.received).values())

    def per_note(self) -> Counter[str]:
        return Counter(note for _, note, _ in self.received)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "sheetflow.common.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(sending, "pacer", Pacer(clock=lambda: fake.now, sleep=fake.sleep))
    return fake


@pytest.fixture
def server(settings: Any, clock: FakeClock) -> Iterator[Server]:
    handler = Server(clock)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    settings.EMAIL_BATCH_SIZE = 4
    settings.EMAIL_RATE_PER_SECOND = 4
    try:
        yield handler
    finally:
        controller.stop()


def crowd(cast: Cast, count: int) -> list[User]:
    return [
        user_create(
            email=f"p{i}@crowd.test",
            full_name=f"Pat Crowd{i}",
            company=cast.sub,
            password=PASSWORD,
        )
        for i in range(count)
    ]


def tell(people: list[User], cast: Cast) -> list[Notification]:
    return notify(
        event="connection_request_sent",
        recipients=people,
        context={"upstream": cast.gc_project, "downstream": cast.sub_project},
        link="/",
    )


def email_tasks() -> list[list[int]]:
    """The id batches of the email tasks due now."""
    rows = (
        DBTaskResult.objects.ready()
        .filter(task_path__endswith="send_notification_emails")
        .order_by("enqueued_at", "id")
    )
    return [row.args_kwargs["args"][0] for row in rows]


@pytest.mark.django_db
def test_ten_emails_go_in_batches_of_four_one_connection_each_at_the_rate(
    cast: Cast, server: Server, clock: FakeClock, drain_tasks: Callable[..., int]
) -> None:
    notes = tell(crowd(cast, 10), cast)
    assert sorted(len(batch) for batch in email_tasks()) == [2, 4, 4]
    assert drain_tasks() == 3
    assert sorted(server.per_connection()) == [2, 4, 4]
    assert server.per_note() == Counter({str(n.pk): 1 for n in notes})
    # Four a second on the pacing clock, never more in any second: 10 messages take 2.25 s.
    per_second = Counter(int(at) for _, _, at in server.received)
    assert max(per_second.values()) == 4 and sum(per_second.values()) == 10
    assert clock.now == 9 / 4
    assert not Notification.objects.filter(email_sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_rate_holds_across_batches_sent_one_after_another(
    cast: Cast, server: Server, clock: FakeClock, drain_tasks: Callable[..., int], settings: Any
) -> None:
    settings.EMAIL_RATE_PER_SECOND = 2
    tell(crowd(cast, 6), cast)
    drain_tasks()
    times = sorted(at for _, _, at in server.received)
    assert [b - a for a, b in pairwise(times)] == pytest.approx([0.5] * 5)


@pytest.mark.django_db
def test_a_refused_message_is_retried_alone_and_the_rest_of_its_batch_goes_out(
    cast: Cast, server: Server, drain_tasks: Callable[..., int], time_machine: Any
) -> None:
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    people = crowd(cast, 4)
    server.refuse = {people[1].email}
    notes = tell(people, cast)
    assert drain_tasks() == 1
    assert server.per_note() == Counter({str(n.pk): 1 for n in notes if n.user != people[1]})
    refused = Notification.objects.get(user=people[1])
    assert refused.email_sent_at is None and refused.email_attempts == 1
    assert "550" in refused.email_error
    assert email_tasks() == []  # deferred, not due yet
    server.refuse = set()
    time_machine.move_to(start + timedelta(seconds=31), tick=False)
    assert email_tasks() == [[refused.pk]]
    assert drain_tasks() == 1
    assert server.per_note() == Counter({str(n.pk): 1 for n in notes})
    refused.refresh_from_db()
    assert refused.email_sent_at is not None and refused.email_attempts == 2


@pytest.mark.django_db
def test_with_no_server_a_batch_fails_together_and_is_retried_as_one_batch(
    cast: Cast, clock: FakeClock, drain_tasks: Callable[..., int], settings: Any
) -> None:
    use_smtp(settings, free_port())  # nobody listens there
    settings.EMAIL_BATCH_SIZE = 4
    notes = tell(crowd(cast, 3), cast)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert drain_tasks() == 1
    failed = Notification.objects.filter(pk__in=[n.pk for n in notes])
    assert {(n.email_attempts, n.email_sent_at) for n in failed} == {(1, None)}
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert email_tasks() == [sorted(n.pk for n in notes)]
    assert clock.now == 0  # nothing was sent, so nothing was paced


@pytest.mark.django_db
def test_a_batch_run_twice_sends_each_message_once(
    cast: Cast, server: Server, drain_tasks: Callable[..., int]
) -> None:
    from sheetflow.notifications.tasks import send_notification_emails

    notes = tell(crowd(cast, 3), cast)
    send_notification_emails.enqueue([n.pk for n in notes])  # a duplicate wake-up
    assert drain_tasks() == 2
    assert server.per_note() == Counter({str(n.pk): 1 for n in notes})
    assert server.per_connection() == [3]  # the second run found nothing to send
