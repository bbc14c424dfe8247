"""Sign-in throttling: per (account, client) and per client, growing waits, counted atomically,
the same for the sign-in page, the token endpoint and the admin's login."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from sheetflow.accounts.models import ApiToken
from sheetflow.accounts.services import user_create
from tests.cast import PASSWORD, Cast


def token_post(email: str, password: str, addr: str = "203.0.113.7", **headers: str) -> Any:
    return Client(REMOTE_ADDR=addr).post(
        "/api/v1/tokens",
        {"email": email, "password": password},
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.SIGN_IN_FREE_ATTEMPTS = 3
    settings.SIGN_IN_FREE_ATTEMPTS_PER_CLIENT = 6
    return settings


@pytest.mark.django_db
def test_guessing_slows_that_client_down_but_not_the_owner_elsewhere(cast: Cast, limits) -> None:
    codes = [token_post(cast.gc_pm.email, "guess").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    refused = token_post(cast.gc_pm.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) >= 1
    assert ApiToken.objects.filter(user=cast.gc_pm).count() == 0
    # The account is not locked: its owner signs in from their own address.
    assert token_post(cast.gc_pm.email, PASSWORD, addr="198.51.100.20").status_code == 201


@pytest.mark.django_db
def test_the_wait_grows_with_each_further_failure_and_then_passes(cast: Cast, limits) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            assert token_post(cast.gc_pm.email, "guess").status_code == 401
        assert token_post(cast.gc_pm.email, "guess")["Retry-After"] == "1"
        clock.shift(timedelta(seconds=1.5))
        assert token_post(cast.gc_pm.email, "guess").status_code == 401
        assert token_post(cast.gc_pm.email, "guess")["Retry-After"] == "2"
        clock.shift(timedelta(seconds=2.5))
        assert token_post(cast.gc_pm.email, "guess").status_code == 401
        assert token_post(cast.gc_pm.email, "guess")["Retry-After"] == "4"
        clock.shift(timedelta(seconds=4.5))
        assert token_post(cast.gc_pm.email, PASSWORD).status_code == 201
        # A success forgets the pair's failures.
        assert token_post(cast.gc_pm.email, "guess").status_code == 401


@pytest.mark.django_db
def test_one_client_guessing_many_accounts_is_slowed_down(cast: Cast, limits) -> None:
    people = [cast.gc_pm, cast.gc_reader, cast.sub_pm, cast.sub_admin, cast.outsider, cast.gc_admin]
    codes = [token_post(p.email, "guess").status_code for p in people]
    assert codes == [401] * 6
    assert token_post("someone@else.test", "guess").status_code == 429
    assert token_post(cast.gc_pm.email, PASSWORD, addr="198.51.100.20").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_counted_one_by_one(cast: Cast, limits) -> None:
    codes: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def guess() -> None:
        try:
            barrier.wait()
            code = token_post(cast.gc_pm.email, "guess").status_code
            with lock:
                codes.append(code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 20
    assert codes.count(401) == 3, codes
    assert codes.count(429) == 17


@pytest.mark.django_db
def test_the_sign_in_page_uses_the_same_throttle(cast: Cast, limits) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        page = client.post("/accounts/sign-in/", {"email": cast.gc_pm.email, "password": "x"})
        assert "Wrong email or password" in page.content.decode()
    page = client.post("/accounts/sign-in/", {"email": cast.gc_pm.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many failed attempts" in page.content.decode()
    # …and counts into the same buckets as the API.
    assert token_post(cast.gc_pm.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_admin_login_uses_the_same_throttle(cast: Cast, limits) -> None:
    user_create(email="root@apex.test", full_name="Root", company=cast.gc, password=PASSWORD)
    from sheetflow.accounts.models import User

    User.objects.filter(email="root@apex.test").update(is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(15):
        client.post("/admin/login/", {"username": "root@apex.test", "password": "wrong"})
    client.post("/admin/login/", {"username": "root@apex.test", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302  # still sent to the login page
    assert token_post("root@apex.test", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_forged_forwarded_for_from_an_untrusted_address_is_ignored(
    cast: Cast, limits, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(5):
        token_post(cast.gc_pm.email, "guess", **{"X-Forwarded-For": f"192.0.2.{n}"})
    # Every attempt counted against the real peer address, whatever the header said.
    assert token_post(cast.gc_pm.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_trusted_proxy_forwards_each_clients_own_address(
    cast: Cast, limits, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = "10.0.0.5"
    for _ in range(4):
        token_post(cast.gc_pm.email, "guess", addr=proxy, **{"X-Forwarded-For": "192.0.2.66"})
    blocked = token_post(
        cast.gc_pm.email, PASSWORD, addr=proxy, **{"X-Forwarded-For": "192.0.2.66"}
    )
    assert blocked.status_code == 429
    # Another client behind the same proxy is not affected…
    ok = token_post(cast.gc_pm.email, PASSWORD, addr=proxy, **{"X-Forwarded-For": "192.0.2.77"})
    assert ok.status_code == 201
    # …and a client cannot escape by prepending its own entry: the proxy appends the real one.
    forged = token_post(
        cast.gc_pm.email, PASSWORD, addr=proxy, **{"X-Forwarded-For": "192.0.2.1, 192.0.2.66"}
    )
    assert forged.status_code == 429


@pytest.mark.django_db
def test_the_hop_count_decides_how_far_the_header_is_believed(
    cast: Cast, limits, settings: Any
) -> None:
    from django.test import RequestFactory

    from sheetflow.common.request import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    chain = "192.0.2.9, 10.1.1.1"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=chain)
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request) == "10.1.1.1"
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request) == "192.0.2.9"
    settings.TRUSTED_PROXY_HOPS = 3  # the left-most entry is the client's: nothing further
    assert client_ip(request) == "192.0.2.9"
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="nonsense")
    assert client_ip(forged) == "10.0.0.5"
    direct = RequestFactory().get("/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(direct) == "192.0.2.50"


@pytest.mark.django_db
def test_failures_nobody_repeats_are_forgotten(cast: Cast, limits) -> None:
    from sheetflow.accounts.models import SignInThrottle
    from sheetflow.accounts.throttle import forget_old

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            token_post(cast.gc_pm.email, "guess")
        assert forget_old() == 0
        clock.shift(timedelta(hours=2))
        assert forget_old() == 2  # the pair and the client
        assert not SignInThrottle.objects.exists()
        assert token_post(cast.gc_pm.email, PASSWORD).status_code == 201
