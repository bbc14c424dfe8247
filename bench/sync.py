"""Sync engine: initial copy at scale, publish-to-visible latency, fan-out."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from statistics import median
from typing import Any

from bench import Options, line, ratio, section, timings

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@dataclass
class Side:
    company: Any
    admin: Any
    project: Any


def _company(name: str) -> Side:
    """A company with an admin and one project, made through the services."""
    from sheetflow.accounts.models import Company
    from sheetflow.accounts.services import company_create, user_create
    from sheetflow.projects.services import project_create

    n = Company.objects.count()
    company = company_create(name=f"{name} {n}")
    admin = user_create(
        email=f"admin{n}@bench.test", full_name=f"Admin {n}", company=company,
        password="bench-password", is_company_admin=True,
    )  # fmt: skip
    project = project_create(company=company, name=f"{name} project", code=f"P{n}")
    return Side(company, admin, project)


def _downstream_of(upstream: Side, name: str) -> tuple[Side, Any]:
    """A new company whose project is connected (auto-approved) to ``upstream``."""
    from sheetflow.connections.services import connection_request
    from sheetflow.projects.models import Level
    from sheetflow.projects.services import member_add

    side = _company(name)
    member_add(project=upstream.project, user=side.admin, drawings=Level.READ_ONLY)
    connection = connection_request(
        user=side.admin, downstream=side.project, upstream=upstream.project
    )
    return side, connection


def _worker(*args: str, **env: str) -> subprocess.Popen[bytes]:
    from tests.worker_processes import worker_env

    return subprocess.Popen(
        [sys.executable, "-m", "sheetflow.cli", "worker", "--interval", "0.05", *args],
        cwd=ROOT,
        env=worker_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _scratch_table(with_indexes: bool) -> None:
    """bench_copy: the revision table's columns, and optionally all its indexes."""
    from django.db import connection

    from sheetflow.drawings.models import Revision

    table = Revision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        if connection.vendor == "postgresql":
            including = " INCLUDING INDEXES" if with_indexes else ""
            cursor.execute(f"CREATE TABLE bench_copy (LIKE {table} INCLUDING DEFAULTS{including})")
            return
        cursor.execute(f"CREATE TABLE bench_copy AS SELECT * FROM {table} WHERE 1 = 0")
        if with_indexes:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
            for name, sql in cursor.fetchall():
                cursor.execute(
                    sql.replace(f'"{name}"', f'"bench_{name}"', 1).replace(
                        f'ON "{table}"', 'ON "bench_copy"', 1
                    )
                )


def _insert_select_once(upstream_id: int, *, with_indexes: bool) -> float:
    """A plain INSERT … SELECT of the same published revision rows into a scratch table."""
    from django.db import connection, transaction

    from sheetflow.drawings.models import Revision

    _scratch_table(with_indexes)
    table = connection.ops.quote_name(Revision._meta.db_table)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO bench_copy SELECT * FROM {table} "
            "WHERE project_id = %s AND is_published = %s AND deleted_at IS NULL",
            [upstream_id, True],
        )
    elapsed = time.perf_counter() - start  # commit included, as for the copy
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


BASELINE_RUNS = 7


def _insert_select_baseline(upstream_id: int, *, with_indexes: bool) -> tuple[float, list[float]]:
    """The median of several INSERT … SELECT runs over the same rows (one run is too short
    to be stable), and every run."""
    runs = [
        _insert_select_once(upstream_id, with_indexes=with_indexes) for _ in range(BASELINE_RUNS)
    ]
    return median(runs), runs


def _spread(runs: list[float]) -> str:
    return f"median of {len(runs)}, {min(runs):.3f} to {max(runs):.3f} s"


def _analyze() -> None:
    # A project of this size has long been analysed in real life; statistics from before the
    # bulk fill would mislead the planner.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@section("sync-initial", "initial copy of every published revision into a new downstream")
def initial(options: Options) -> None:
    from django.test.utils import override_settings

    from bench.drawings import _fill
    from sheetflow.connections.models import Connection, SyncRun
    from sheetflow.drawings.models import Revision

    upstream = _company("Bench GC")
    # _fill publishes four revisions in five: this many gives `revisions` published ones.
    _fill(upstream.project, upstream.admin, options.revisions * 5 // 4)
    published = Revision.objects.filter(
        project=upstream.project, is_published=True, deleted_at__isnull=True
    ).count()
    line("upstream published revisions", f"{published:,}")
    _analyze()
    bare, bare_runs = _insert_select_baseline(upstream.project.pk, with_indexes=False)
    baseline, runs = _insert_select_baseline(upstream.project.pk, with_indexes=True)
    line("baseline: INSERT … SELECT, bare table", f"{bare:.3f} s ({_spread(bare_runs)})")
    line("baseline: INSERT … SELECT, same indexes", f"{baseline:.3f} s ({_spread(runs)})")
    for attempt in ("cold", "warm"):
        # The project is over the connection limit on purpose: the bench measures the engine.
        with override_settings(CONNECTION_MAX_REVISIONS=10**9):
            _side, connection = _downstream_of(upstream, f"Bench sub {attempt}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        worker = _worker("--batch", "--no-periodic")
        worker.wait()
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        connection.refresh_from_db()
        run = SyncRun.objects.filter(connection=connection).order_by("pk").last()
        assert run is not None and run.finished_at is not None
        copied = Revision.objects.filter(project=connection.downstream_id).count()
        assert copied == published, (copied, published)
        assert connection.initial_done_at is not None
        seconds = (run.finished_at - run.started_at).total_seconds()
        line(f"initial copy ({attempt})", f"{seconds:.2f} s   {copied / seconds:,.0f} revisions/s")
        line(
            f"initial copy ({attempt}) / baseline, same indexes",
            f"{ratio(seconds, baseline)}   target x3 ({_met(seconds <= 3 * baseline)})",
        )
        line(f"initial copy ({attempt}) / baseline, bare table", ratio(seconds, bare))
        line(
            f"worker peak memory ({attempt})",
            f"{max(peak_kb, before) / 1024:.0f} MB (max RSS of the worker process)",
        )
        Connection.objects.filter(pk=connection.pk).update(state="disconnected")
    _profile(upstream)


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def _profile(upstream: Side) -> None:
    """Where an initial copy's time goes: each statement of the engine's windows, and commit.

    The same windows the worker applies, run here with every statement timed.
    """
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from sheetflow.connections.engine import copy
    from sheetflow.connections.models import Connection
    from sheetflow.drawings import sequence

    with override_settings(CONNECTION_MAX_REVISIONS=10**9):
        side, conn = _downstream_of(upstream, "Bench sub profiled")
    Connection.objects.filter(pk=conn.pk).update(state="disconnected")  # no worker takes it
    names = {sql: name for name, sql in copy._sql()["statements"]}
    names.update({sql: "scratch tables" for sql in copy._sql()["scratch"]})
    names.update({sql: "pointers" for sql in copy._sql()["pointers"]})
    spent: dict[str, float] = {}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            name = names.get(sql, "other")
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    high = sequence.current_seq(upstream.project.pk)
    lo, total = 0, time.perf_counter()
    while lo < high:
        hi = min(high, lo + int(settings.SYNC_INITIAL_WINDOW))
        with connection.execute_wrapper(timed):
            with transaction.atomic():
                window = copy.Window(
                    upstream_id=upstream.project.pk, downstream_id=side.project.pk, lo=lo, hi=hi,
                    seq=sequence.next_seq(side.project.pk), now=timezone.now(),
                    company_name=upstream.company.name, project_name=upstream.project.name,
                )  # fmt: skip
                copy.apply_window(window)
                start = time.perf_counter()
            spent["commit"] = spent.get("commit", 0.0) + time.perf_counter() - start
        lo = hi
    total = time.perf_counter() - total
    line("profile: the same copy, in this process", f"{total:.2f} s")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        line(f"  {name}", f"{seconds:6.2f} s  {seconds / total:4.0%}")


def _publish_and_wait(upstream: Side, revision: Any, downstreams: list[Any]) -> float:
    from sheetflow.drawings.models import Revision
    from sheetflow.drawings.services import revisions_publish

    ids = [d.project.pk for d in downstreams]
    start = time.perf_counter()
    revisions_publish(user=upstream.admin, revisions=[revision])
    while True:
        seen = Revision.objects.filter(project_id__in=ids, upstream_uuid=revision.uuid).count()
        if seen == len(ids):
            return time.perf_counter() - start
        if time.perf_counter() - start > 30:
            raise RuntimeError(f"only {seen}/{len(ids)} downstreams got the revision in 30 s")
        time.sleep(0.005)


@section("sync-latency", "publish-to-visible in 20 connected downstreams, running workers")
def latency(options: Options) -> None:
    from tests.drawings.factories import publish_sheets, upload_sheets

    upstream = _company("Latency GC")
    publish_sheets(upstream.project, upstream.admin, 3, numbers=["L-001", "L-002", "L-003"])
    downstreams = [_downstream_of(upstream, f"Latency sub {i}")[0] for i in range(20)]
    count = max(10, min(60, options.requests))
    waiting = upload_sheets(upstream.project, upstream.admin, [f"N-{i:03d}" for i in range(count)])
    workers = [_worker(), _worker()]
    try:
        time.sleep(3)  # let the workers start and finish the initial copies
        samples = [_publish_and_wait(upstream, r, downstreams) for r in waiting]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
    line("publish → visible in all 20 downstreams", timings(samples))
    line("target", "p99 under 1000 ms")


def _publish_to_all(upstream: Side, downstreams: list[Side], count: int, prefix: str) -> float:
    """Publish ``count`` revisions at once; seconds until every downstream has them all."""
    from sheetflow.drawings.models import Revision
    from sheetflow.drawings.services import revisions_publish
    from tests.drawings.factories import upload_sheets

    waiting = upload_sheets(
        upstream.project, upstream.admin, [f"{prefix}-{i:03d}" for i in range(1, count + 1)]
    )
    ids = [d.project.pk for d in downstreams]
    uuids = [r.uuid for r in waiting]
    workers = [_worker(), _worker()]
    try:
        time.sleep(3)  # the workers start and finish the initial copies
        start = time.perf_counter()
        revisions_publish(user=upstream.admin, revisions=waiting)
        expected = count * len(ids)
        while (
            Revision.objects.filter(project_id__in=ids, upstream_uuid__in=uuids).count() < expected
        ):
            if time.perf_counter() - start > 300:
                raise RuntimeError("fan-out did not finish in 300 s")
            time.sleep(0.02)
        return time.perf_counter() - start
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()


@section("sync-fanout", "100 revisions published at once to 100 downstreams")
def fanout(options: Options) -> None:
    from tests.drawings.factories import publish_sheets

    single = _company("Fanout base GC")
    publish_sheets(single.project, single.admin, 1, numbers=["B-000"])
    one = [_downstream_of(single, "Fanout base sub")[0]]
    baseline = _publish_to_all(single, one, 100, "B")
    line("baseline: 100 revisions x 1 downstream", f"{baseline:.2f} s")

    upstream = _company("Fanout GC")
    publish_sheets(upstream.project, upstream.admin, 1, numbers=["F-000"])
    downstreams = [_downstream_of(upstream, f"Fanout sub {i}")[0] for i in range(100)]
    elapsed = _publish_to_all(upstream, downstreams, 100, "F")
    line("100 revisions x 100 downstreams", f"{elapsed:.2f} s")
    line("revisions applied per second", f"{100 * len(downstreams) / elapsed:,.0f}")
    line("per downstream, ratio to the baseline", ratio(elapsed / len(downstreams), baseline))
