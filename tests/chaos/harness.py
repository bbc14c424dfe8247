"""A bad day for the sync engine: real workers killed at random while writers change the
upstream project and several downstreams sync. Used by the chaos test and the bench."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.client import MULTIPART_CONTENT

from sheetflow.connections.models import Connection
from sheetflow.drawings import sequence
from sheetflow.drawings.models import Area, Revision
from sheetflow.drawings.services import area_create
from sheetflow.projects.models import Level, Project
from sheetflow.projects.services import member_add, project_create
from sheetflow.testing.workers import WORKER_ENV, Workers
from tests.cast import Cast
from tests.connections.sync_helpers import connect
from tests.drawings.factories import sheet_pdf


@dataclass
class Outcome:
    """What a run did and saw."""

    seed: int
    statuses: Counter[int] = field(default_factory=Counter)
    ops: Counter[str] = field(default_factory=Counter)
    lags: list[float] = field(default_factory=list)
    kills: int = 0
    last_kill: float = 0.0
    caught_up_after: float = 0.0  # every downstream has every change
    rendered_after: float = 0.0  # and every sheet has its thumbnail
    failures: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


class Chaos:
    """The upstream, its downstreams, writers, a killer and a lag watcher."""

    def __init__(self, cast: Cast, api_as: Any, seed: int, mail_dir: str) -> None:
        self.mail_dir = mail_dir
        self.cast = cast
        self.api_as = api_as
        self.outcome = Outcome(seed=seed)
        self.rng = random.Random(seed)
        self.up = cast.gc_project
        self.base = f"/projects/{self.up.pk}"
        self.stop = threading.Event()
        self.pending: dict[str, float] = {}  # upstream revision uuid -> published at
        self.pending_lock = threading.Lock()
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.connections: list[Connection] = []
        self.watched: Project | None = None
        self.areas: list[int] = []

    # -- setup -------------------------------------------------------------------------
    def downstream(self, name: str) -> Project:
        """A new downstream project of the subcontractor, connected (auto-approved)."""
        project = project_create(company=self.cast.sub, name=name, code=name.split()[-1])
        member_add(project=project, user=self.cast.sub_pm, drawings=Level.ADMIN,
                   connection_manager=Level.ADMIN)  # fmt: skip
        self.connections.append(connect(self.cast.sub_pm, project, self.up))
        return project

    def prepare(self, sheets: int) -> None:
        self.areas = [
            a.pk for a in Area.objects.filter(project=self.up, deleted_at__isnull=True)
        ] + [area_create(project=self.up, name=f"Building {c}").pk for c in "BC"]
        api = self.api_as(self.cast.gc_pm)
        ids = self._upload(api, sheets)
        self._post(api, "revisions/publish", {"revision_ids": ids})
        self.watched = self.downstream("Chaos sub C1")

    # -- the writers ---------------------------------------------------------------------
    def _next(self) -> int:
        with self.counter_lock:
            self.counter += 1
            return self.counter

    def _status(self, response: Any) -> Any:
        self.outcome.statuses[response.status_code] += 1
        if 400 <= response.status_code < 500 and len(self.outcome.refusals) < 5:
            self.outcome.refusals.append(f"{response.status_code}: {response.content[:300]!r}")
        if response.status_code >= 500:
            self.outcome.failures.append(f"{response.status_code}: {response.content[:300]!r}")
        return response

    def _post(self, api: Any, path: str, data: Any) -> Any:
        return self._status(api.post(f"{self.base}/{path}", data))

    def _upload(self, api: Any, count: int) -> list[int]:
        numbers = [f"X-{self._next():05d}" for _ in range(count)]
        # The numbers are given, not recognised: the test is about sync, not title blocks.
        edits = [{"index": i, "number": n, "title": f"Sheet {n}"} for i, n in enumerate(numbers)]
        response = self._status(
            api.post(
                f"{self.base}/uploads",
                {
                    "files": [SimpleUploadedFile("set.pdf", sheet_pdf(numbers))],
                    "confirm": "true",
                    "sheets": json.dumps(edits),
                },
                content_type=MULTIPART_CONTENT,
            )
        )
        return [r["id"] for r in response.json()] if response.status_code == 200 else []

    def _publish(self, api: Any, ids: list[int]) -> None:
        uuids = [str(u) for u in Revision.objects.filter(pk__in=ids).values_list("uuid", flat=True)]
        published_at = time.monotonic()
        if self._post(api, "revisions/publish", {"revision_ids": ids}).status_code == 200:
            with self.pending_lock:
                for uuid in uuids:
                    self.pending.setdefault(uuid, published_at)

    def _pick(self, rng: random.Random, **filters: Any) -> Revision | None:
        ids = list(
            Revision.objects.filter(
                project=self.up, deleted_at__isnull=True, **filters
            ).values_list("pk", flat=True)[:400]
        )
        return Revision.objects.get(pk=rng.choice(ids)) if ids else None

    def _forget(self, revision: Revision) -> None:
        with self.pending_lock:
            self.pending.pop(str(revision.uuid), None)

    def write_once(self, api: Any, rng: random.Random) -> None:
        op = rng.choices(
            ["publish", "unpublish", "republish", "renumber", "retitle", "move", "upload",
             "delete", "bulk"],
            weights=[6, 2, 2, 2, 2, 2, 1, 1, 1],
        )[0]  # fmt: skip
        self.outcome.ops[op] += 1
        if op == "publish":
            ids = self._upload(api, rng.randint(1, 3))
            if ids:
                self._publish(api, ids)
        elif op == "bulk":
            # Published at once while their renderings are queued and running.
            ids = self._upload(api, 40)
            if ids:
                self._publish(api, ids)
        elif op == "upload":
            self._upload(api, rng.randint(1, 3))
        elif op in {"unpublish", "delete"}:
            revision = self._pick(rng, is_published=True)
            if revision is not None:
                self._forget(revision)
                if op == "delete":
                    self._status(api.delete(f"{self.base}/revisions/{revision.pk}"))
                else:
                    self._post(api, "revisions/unpublish", {"revision_ids": [revision.pk]})
        elif op == "republish":
            revision = self._pick(rng, is_published=False)
            if revision is not None:
                self._publish(api, [revision.pk])
        else:
            revision = self._pick(rng)
            if revision is not None:
                patch = {
                    "renumber": {"number": f"R-{self._next():05d}"},
                    "retitle": {"title": f"Title {self._next()}"},
                    "move": {"area_id": rng.choice(self.areas)},
                }[op]
                self._status(api.patch(f"{self.base}/drawings/{revision.drawing_id}", patch))

    def writer(self, seed: int) -> None:
        rng = random.Random(seed)
        api = self.api_as(self.cast.gc_pm)
        try:
            while not self.stop.is_set():
                self.write_once(api, rng)
                time.sleep(rng.uniform(0.05, 0.4))
        except BaseException as exc:
            self.outcome.failures.append(f"writer: {type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    # -- observers -----------------------------------------------------------------------
    def watcher(self) -> None:
        """Publish → visible in the first downstream, for every publish."""
        assert self.watched is not None
        try:
            while True:
                finished = self.stop.is_set()
                with self.pending_lock:
                    waiting = dict(self.pending)
                if waiting:
                    seen = Revision.objects.filter(
                        project=self.watched, upstream_uuid__in=list(waiting)
                    ).values_list("upstream_uuid", flat=True)
                    now = time.monotonic()
                    with self.pending_lock:
                        for uuid in seen:
                            started = self.pending.pop(str(uuid), None)
                            if started is not None:
                                self.outcome.lags.append(now - started)
                if finished and not waiting:
                    return
                if finished and time.monotonic() > self.give_up:
                    return
                time.sleep(0.02)
        finally:
            connections.close_all()

    def killer(self, workers: Workers, every: tuple[float, float]) -> None:
        while not self.stop.wait(self.rng.uniform(*every)):
            workers.kill_one(self.rng)
            self.outcome.kills += 1
            self.outcome.last_kill = time.monotonic()

    # -- the run -------------------------------------------------------------------------
    def run(
        self,
        *,
        seconds: float,
        kill_every: tuple[float, float],
        writers: int = 2,
        workers: int = 2,
        later_downstreams: int = 2,
        settle_timeout: float = 120,
    ) -> Outcome:
        pool = Workers(workers, {**WORKER_ENV, "EMAIL_URL": f"file://{self.mail_dir}"})
        self.give_up = float("inf")
        threads = [threading.Thread(target=self.writer, args=(self.rng.random(),))
                   for _ in range(writers)]  # fmt: skip
        threads.append(threading.Thread(target=self.killer, args=(pool, kill_every)))
        watcher = threading.Thread(target=self.watcher)
        try:
            for thread in [*threads, watcher]:
                thread.start()
            started = time.monotonic()
            for k in range(later_downstreams):
                # Later downstreams connect mid-run: their initial copies run under the kills.
                time.sleep(seconds / (later_downstreams + 1))
                self.downstream(f"Chaos sub C{k + 2}")
            time.sleep(max(0.0, seconds - (time.monotonic() - started)))
            self.stop.set()
            for thread in threads:
                thread.join()
            self.give_up = time.monotonic() + settle_timeout
            since = max(time.monotonic(), self.outcome.last_kill)
            synced, rendered = self._settle(settle_timeout)
            self.outcome.caught_up_after = synced - since
            self.outcome.rendered_after = rendered - since
            watcher.join()
        finally:
            self.stop.set()
            self.give_up = 0.0
            for thread in [*threads, watcher]:
                if thread.is_alive():
                    thread.join()
            pool.stop_all()
        return self.outcome

    def behind(self, *, thumbnails: bool = True) -> list[str]:
        head = sequence.current_seq(self.up.pk)
        late = []
        for c in Connection.objects.filter(pk__in=[c.pk for c in self.connections]):
            if c.synced_seq < head or c.initial_done_at is None:
                late.append(f"connection {c.pk}: {c.synced_seq}/{head} {c.last_error[:200]}")
        if not thumbnails:
            return late
        projects = [self.up.pk, *(c.downstream_id for c in self.connections)]
        unrendered = Revision.objects.filter(
            project_id__in=projects, deleted_at__isnull=True, thumbnail__isnull=True
        ).count()
        if unrendered:
            late.append(f"{unrendered} revisions without a thumbnail")
        return late

    def _settle(self, timeout: float) -> tuple[float, float]:
        deadline = time.monotonic() + timeout
        while self.behind(thumbnails=False) and time.monotonic() < deadline:
            time.sleep(0.05)
        synced = time.monotonic()
        while self.behind() and time.monotonic() < deadline:
            time.sleep(0.05)
        return synced, time.monotonic()
