"""Endpoints never reach private, loopback or link-local addresses, and the refusal comes
before any connection is attempted (these tests fail if a socket is even opened)."""

from __future__ import annotations

import socket

import pytest

from sheetflow.webhooks import transport
from sheetflow.webhooks.delivery import deliver
from sheetflow.webhooks.models import Delivery
from sheetflow.webhooks.transport import Refused, address_allowed, check_url, post
from tests.cast import Cast
from tests.connections.sync_helpers import connect
from tests.webhooks.receiver import Receiver

REFUSED = [
    "http://127.0.0.1:{port}/hooks",
    "http://localhost:{port}/hooks",
    "http://10.0.0.1/hooks",
    "http://10.255.3.4:8080/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/hooks",
    "http://[::ffff:127.0.0.1]:{port}/hooks",
    "http://192.168.1.10/hooks",
    "http://172.16.0.5/hooks",
    "http://0.0.0.0:{port}/hooks",
]


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any attempt to connect is recorded and fails the request."""
    attempts: list[object] = []

    def refuse(address: object, *args: object, **kwargs: object) -> socket.socket:
        attempts.append(address)
        raise AssertionError(f"a connection to {address} was attempted")

    monkeypatch.setattr(transport.socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def http_allowed(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize("template", REFUSED)
def test_private_loopback_and_link_local_addresses_are_refused_before_connecting(
    template: str, no_sockets: list[object], http_allowed: None
) -> None:
    with pytest.raises(Refused):
        post(template.format(port=8999), b"{}", {})
    assert no_sockets == []


def test_a_name_resolving_to_loopback_is_refused_at_send_time(
    no_sockets: list[object], http_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A public-looking name whose DNS answer is loopback (a rebinding attack): passes the
    # URL check, is refused once resolved, and nothing connects.
    def fake_dns(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        assert host == "hooks.example.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", fake_dns)
    check_url("http://hooks.example.com/in")
    with pytest.raises(Refused, match=r"127\.0\.0\.1"):
        post("http://hooks.example.com/in", b"{}", {})
    assert no_sockets == []


def test_plain_http_needs_debug_or_the_setting(settings, no_sockets: list[object]) -> None:
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(Refused, match="https"):
        check_url("http://hooks.example.com/in")
    assert check_url("https://hooks.example.com/in") == ("https", "hooks.example.com", 443)
    with pytest.raises(Refused):
        check_url("ftp://hooks.example.com/in")
    with pytest.raises(Refused):
        check_url("https://user:pw@hooks.example.com/in")


def test_only_listed_networks_open_a_private_range(settings) -> None:
    import ipaddress

    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert not address_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"))
    assert address_allowed(ipaddress.ip_address("93.184.216.34"))


@pytest.mark.django_db
def test_a_delivery_to_loopback_is_logged_as_refused_when_loopback_is_not_allowed(
    cast: Cast, settings, endpoint_on, drain_tasks, no_sockets: list[object]
) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    endpoint_on(cast.gc_project, "http://localhost:8999/hooks", ["connection.approved"])
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    drain_tasks()
    (sent,) = Delivery.objects.all()
    assert sent.status == "pending" and sent.response_code is None
    assert sent.error.startswith("refused:") and no_sockets == []


@pytest.mark.django_db
def test_an_endpoint_at_a_private_address_is_refused_when_created(
    cast: Cast, api_as, settings
) -> None:
    settings.WEBHOOK_ALLOW_HTTP = True
    api = api_as(cast.gc_pm)
    for url in ("http://10.0.0.1/in", "http://169.254.169.254/", "http://127.0.0.1:9/in"):
        answer = api.post(
            f"/projects/{cast.gc_project.pk}/webhooks",
            {"url": url, "events": ["connection.approved"]},
        )
        assert answer.status_code == 422, url
        assert answer.json()["code"] == "webhook_url_refused"


@pytest.mark.django_db
def test_redirects_are_not_followed(
    cast: Cast, loopback_allowed, endpoint_on, drain_tasks, settings
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver = Receiver(redirect=True).start()
    try:
        endpoint_on(cast.gc_project, receiver.url, ["connection.approved"])
        connect(cast.sub_pm, cast.sub_project, cast.gc_project)
        drain_tasks()
    finally:
        receiver.stop()
    (sent,) = Delivery.objects.all()
    assert [r.path for r in receiver.received] == ["/hooks"]
    assert sent.status == "pending" and sent.response_code == 302
    assert "not followed" in sent.error


@pytest.mark.django_db
def test_long_answers_are_truncated_in_the_log(
    cast: Cast, receiver, endpoint_on, drain_tasks, settings
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.failures = 1  # a failing answer is 5,000 bytes
    endpoint_on(cast.gc_project, receiver.url, ["connection.approved"])
    connect(cast.sub_pm, cast.sub_project, cast.gc_project)
    drain_tasks()
    (sent,) = Delivery.objects.all()
    assert sent.response_code == 500 and len(sent.response_body) == transport.RESPONSE_KEPT
    assert sent.status == "pending" and sent.next_attempt_at > sent.last_attempt_at
    assert deliver(sent.pk) == ""  # not due yet: the retry waits its turn
