"""Sign-in throttling: one implementation behind every way to sign in (pages, API, admin).

Keys are the (email, client address) pair and the client address alone. Each attempt
reserves a failure on both keys before the password is checked (a locked read-modify-write,
so concurrent guesses are counted one by one); a success gives the reservations back.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sheetflow.accounts.models import SignInThrottle

# Failures are forgotten after this long without another one.
FORGET_AFTER = timedelta(hours=1)


def _keys(email: str, client: str) -> dict[str, int]:
    """Each key with the number of failures it may have before it is slowed down."""
    email = email.strip().lower()[:254]
    return {
        f"pair:{client}|{email}": settings.SIGN_IN_FREE_ATTEMPTS,
        f"client:{client}": settings.SIGN_IN_FREE_ATTEMPTS_PER_CLIENT,
    }


def _delay(excess: int) -> timedelta:
    """Wait after `excess` failures beyond the free ones: 1 s, 2 s, 4 s … up to the cap."""
    cap = settings.SIGN_IN_MAX_DELAY_SECONDS
    return timedelta(seconds=min(2 ** min(excess, 30), cap))


@transaction.atomic
def attempt_begin(*, email: str, client: str) -> int:
    """Reserve one attempt for this email from this client; seconds to wait if refused, else 0."""
    now = timezone.now()
    limits = _keys(email, client)
    SignInThrottle.objects.bulk_create(
        [SignInThrottle(key=key, updated_at=now) for key in limits], ignore_conflicts=True
    )
    # Lock both rows in one order so two attempts cannot deadlock each other.
    rows = list(
        SignInThrottle.objects.select_for_update().filter(key__in=list(limits)).order_by("key")
    )
    waits = [
        math.ceil((row.blocked_until - now).total_seconds())
        for row in rows
        if row.blocked_until is not None and row.blocked_until > now
    ]
    if waits:
        return max(waits)
    for row in rows:
        if now - row.updated_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        excess = row.failures - limits[row.key]
        row.blocked_until = now + _delay(excess) if excess >= 0 else None
        row.updated_at = now
        row.save(update_fields=["failures", "blocked_until", "updated_at"])
    return 0


@transaction.atomic
def attempt_succeeded(*, email: str, client: str) -> None:
    """The password was right: forget the pair's failures and return the client's reservation."""
    limits = _keys(email, client)
    pair, per_client = list(limits)
    SignInThrottle.objects.filter(key=pair).delete()
    row = SignInThrottle.objects.select_for_update().filter(key=per_client).first()
    if row is not None and row.failures > 0:
        row.failures -= 1
        if row.failures < limits[per_client]:
            row.blocked_until = None
        row.save(update_fields=["failures", "blocked_until"])


def forget_old() -> int:
    """Delete keys idle for longer than they are remembered; returns how many."""
    cutoff = timezone.now() - FORGET_AFTER - timedelta(seconds=settings.SIGN_IN_MAX_DELAY_SECONDS)
    deleted, _ = SignInThrottle.objects.filter(updated_at__lt=cutoff).delete()
    return deleted
