"""The chaos test: workers SIGKILLed at random while writers change the upstream and three
downstreams sync (PostgreSQL; selected with `-m chaos`, run once by CI's PostgreSQL pass).

It checks the promise under failure: exact copies, no 5xx, every thumbnail present, no
duplicate email, progress that adds up; and it reports the publish → visible lag.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path
from statistics import median

import pytest
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sheetflow.connections.models import Connection
from sheetflow.drawings.models import Revision
from tests.cast import Cast
from tests.chaos.harness import Chaos
from tests.connections.sync_helpers import copies_in, published_upstream

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

SECONDS = float(os.environ.get("CHAOS_SECONDS", "60"))


def _emails(folder: Path) -> list[str]:
    """Every message the workers sent (the file backend separates them with a rule)."""
    messages = []
    for path in sorted(folder.glob("*")):
        for part in path.read_text(errors="replace").split("-" * 79):
            if part.strip():
                # The Date and Message-ID headers differ even between two sends of one message.
                lines = [
                    line for line in part.strip().splitlines()
                    if not line.startswith(("Date:", "Message-ID:"))
                ]  # fmt: skip
                messages.append("\n".join(lines))
    return messages


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@pytest.mark.django_db(transaction=True)
def test_kills_at_random_instants_leave_exact_copies_thumbnails_and_single_emails(
    cast: Cast, api_as, tmp_path: Path, capsys
) -> None:
    assert connection.vendor == "postgresql", "the chaos test runs on PostgreSQL (DATABASE_URL)"
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    mail = tmp_path / "mail"
    mail.mkdir()
    chaos = Chaos(cast, api_as, seed, str(mail))
    chaos.prepare(sheets=60)
    outcome = chaos.run(seconds=SECONDS, kill_every=(2.0, 6.0))
    lags = outcome.lags
    with capsys.disabled():
        print(
            f"\nchaos seed={seed} kills={outcome.kills} ops={dict(outcome.ops)} "
            f"answers={dict(outcome.statuses)}\n"
            f"publish → visible: n={len(lags)} p50={median(lags):.2f}s "
            f"p90={_percentile(lags, 90):.2f}s p99={_percentile(lags, 99):.2f}s "
            f"max={max(lags):.2f}s; after the writers and kills stopped: every change copied in "
            f"{outcome.caught_up_after:.2f}s, every thumbnail in {outcome.rendered_after:.2f}s"
        )
        print("\n".join(outcome.refusals))
    assert not outcome.failures, outcome.failures
    assert outcome.kills >= SECONDS / 8
    assert not [s for s in outcome.statuses if s >= 500]
    assert chaos.behind() == []
    for c in Connection.objects.filter(pk__in=[c.pk for c in chaos.connections]):
        down = c.downstream
        assert copies_in(down) == published_upstream(cast.gc_project), f"seed {seed}"
        # Withdrawn copies are the ones whose upstream revision was unpublished or deleted.
        withdrawn = Revision.objects.filter(project=down, withdrawn_upstream_at__isnull=False)
        assert not Revision.objects.filter(
            project=cast.gc_project,
            uuid__in=withdrawn.values("upstream_uuid"),
            is_published=True,
            deleted_at__isnull=True,
        ).exists()
        assert c.initial_done_at is not None and c.initial_copied == c.initial_total
    assert not Revision.objects.filter(deleted_at__isnull=True, render_failed=True).exists()
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()
    sent = Counter(_emails(mail))
    assert sent, "the workers sent no email at all"
    assert [m[:300] for m, n in sent.items() if n > 1] == []
    assert len(lags) >= 20
