"""Sync under failure: publish → visible while a worker is SIGKILLed every 5 seconds."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

from bench import Options, line, percentile, section

KILL_EVERY = 5.0
RUN_SECONDS = 40.0
BASELINE_SECONDS = 15.0
DOWNSTREAMS = 3
PUBLISH_EVERY = 0.25


class _Run:
    """Publishes one revision at a time and times each until every downstream has it."""

    def __init__(self, upstream: Any, downstream_ids: list[int], workers: Any) -> None:
        self.upstream = upstream
        self.downstream_ids = downstream_ids
        self.workers = workers
        self.rng = random.Random(20261129)
        self.kills: list[float] = []

    def _watch(self, pending: dict[Any, float], lock: threading.Lock, done: threading.Event,
               samples: list[float]) -> None:  # fmt: skip
        from django.db import connections

        from sheetflow.drawings.models import Revision

        try:
            while not (done.is_set() and not pending):
                with lock:
                    uuids = list(pending)
                if uuids:
                    counts = Counter(
                        Revision.objects.filter(
                            project_id__in=self.downstream_ids, upstream_uuid__in=uuids
                        ).values_list("upstream_uuid", flat=True)
                    )
                    now = time.monotonic()
                    with lock:
                        for uuid, seen in counts.items():
                            if seen == len(self.downstream_ids) and uuid in pending:
                                samples.append(now - pending.pop(uuid))
                time.sleep(0.005)
        finally:
            connections.close_all()

    def _kill(self, stop: threading.Event) -> None:
        while not stop.wait(KILL_EVERY):
            self.workers.kill_one(self.rng)
            self.kills.append(time.monotonic())

    def measure(self, revisions: list[Any], seconds: float, *, kill: bool) -> list[float]:
        from sheetflow.drawings.services import revisions_publish

        samples: list[float] = []
        pending: dict[Any, float] = {}
        lock = threading.Lock()
        done = threading.Event()
        stop = threading.Event()
        threads = [threading.Thread(target=self._watch, args=(pending, lock, done, samples))]
        if kill:
            threads.append(threading.Thread(target=self._kill, args=(stop,)))
        for thread in threads:
            thread.start()
        try:
            started = time.monotonic()
            while revisions and time.monotonic() - started < seconds:
                revision = revisions.pop(0)
                with lock:
                    pending[revision.uuid] = time.monotonic()
                revisions_publish(user=self.upstream.admin, revisions=[revision])
                time.sleep(PUBLISH_EVERY)
        finally:
            stop.set()
            done.set()
            for thread in threads:
                thread.join(timeout=120)
        if pending:
            raise RuntimeError(f"{len(pending)} publishes never became visible downstream")
        return samples

    def catch_up(self, revisions: list[Any], connection_ids: list[int]) -> float:
        """A batch is published and a worker killed at once: seconds until all have it."""
        from sheetflow.connections.models import Connection
        from sheetflow.drawings import sequence
        from sheetflow.drawings.services import revisions_publish

        revisions_publish(user=self.upstream.admin, revisions=revisions)
        head = sequence.current_seq(self.upstream.project.pk)
        time.sleep(0.05)
        self.workers.kill_one(self.rng)
        killed = time.monotonic()
        self.kills.append(killed)
        cursors = Connection.objects.filter(pk__in=connection_ids).values_list(
            "synced_seq", flat=True
        )
        while not all(c >= head for c in cursors.all()):
            if time.monotonic() - killed > 60:
                raise RuntimeError("not caught up within 60 s of the last kill")
            time.sleep(0.005)
        return time.monotonic() - killed


def _timings(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"p50 {percentile(ms, 50):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms   (n={len(ms)})"


@section("sync-chaos", "publish → visible while a worker is killed every 5 s (PostgreSQL)")
def chaos(options: Options) -> None:
    from django.db import connection

    from bench.sync import _company, _downstream_of
    from sheetflow.testing.drawings import publish_sheets, upload_sheets
    from sheetflow.testing.workers import WORKER_ENV, Workers

    if connection.vendor != "postgresql":
        line("skipped", "needs PostgreSQL (set DATABASE_URL): several workers at once")
        return
    upstream = _company("Chaos GC")
    publish_sheets(upstream.project, upstream.admin, 20, numbers=[f"C-{i:03d}" for i in range(20)])
    pairs = [_downstream_of(upstream, f"Chaos sub {i}") for i in range(DOWNSTREAMS)]
    # Uploaded beforehand: the measurement publishes only (no PDF work in this process).
    count = int((RUN_SECONDS + BASELINE_SECONDS) / PUBLISH_EVERY) + 10
    waiting = upload_sheets(upstream.project, upstream.admin, [f"P-{i:03d}" for i in range(count)])
    workers = Workers(2, {**WORKER_ENV, "SYNC_INITIAL_WINDOW": "20000"})
    run = _Run(upstream, [side.project.pk for side, _ in pairs], workers)
    try:
        time.sleep(3)  # the workers start and finish the initial copies
        calm = run.measure(waiting, BASELINE_SECONDS, kill=False)
        killed = run.measure(waiting, RUN_SECONDS, kill=True)
        catch_up = run.catch_up(waiting[-10:], [c.pk for _, c in pairs])
    finally:
        workers.stop_all()
    line(f"baseline: publish → visible in {DOWNSTREAMS} downstreams", _timings(calm))
    line(f"publish → visible, a worker killed every {KILL_EVERY:.0f} s", _timings(killed))
    line("target", "p99 under 5000 ms")
    line("worker kills (SIGKILL, then restarted)", f"{len(run.kills)}")
    line("caught up after the last kill", f"{catch_up:.2f} s   (target under 5 s)")
