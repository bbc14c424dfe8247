"""Sync engine: initial copy at scale, publish-to-visible latency, fan-out."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from dataclasses import dataclass
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


def _insert_select_baseline(upstream_id: int, *, with_indexes: bool) -> float:
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
    bare = _insert_select_baseline(upstream.project.pk, with_indexes=False)
    baseline = _insert_select_baseline(upstream.project.pk, with_indexes=True)
    line("baseline: INSERT … SELECT, bare table", f"{bare:.3f} s")
    line("baseline: INSERT … SELECT, same indexes", f"{baseline:.3f} s")
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
        line(f"initial copy ({attempt}) / baseline, same indexes", ratio(seconds, baseline))
        line(f"initial copy ({attempt}) / baseline, bare table", ratio(seconds, bare))
        line(
            f"worker peak memory ({attempt})",
            f"{max(peak_kb, before) / 1024:.0f} MB (max RSS of the worker process)",
        )
        Connection.objects.filter(pk=connection.pk).update(state="disconnected")


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
