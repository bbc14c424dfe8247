"""Sync engine: initial copy at scale, publish-to-visible latency, fan-out."""

from __future__ import annotations

import os
import subprocess
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
    # A drawings admin downstream: the drawings list (who hears of new sheets) is not empty.
    member_add(project=side.project, user=side.admin, drawings=Level.ADMIN)
    member_add(project=upstream.project, user=side.admin, drawings=Level.READ_ONLY)
    connection = connection_request(
        user=side.admin, downstream=side.project, upstream=upstream.project
    )
    return side, connection


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
        from sheetflow.testing.workers import start_worker

        worker = start_worker("--batch", "--no-periodic")
        # This worker's own peak: the whole run's RUSAGE_CHILDREN would report the largest
        # child of any earlier section (a PDF job, Tesseract) when the bench runs whole.
        _pid, status, usage = os.wait4(worker.pid, 0)
        worker.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = usage.ru_maxrss
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
            f"{peak_kb / 1024:.0f} MB (max RSS of the worker process)",
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

    from sheetflow.connections.models import Connection
    from sheetflow.drawings import sequence

    with override_settings(CONNECTION_MAX_REVISIONS=10**9):
        side, conn = _downstream_of(upstream, "Bench sub profiled")
    Connection.objects.filter(pk=conn.pk).update(state="disconnected")  # no worker takes it
    from sheetflow.drawings.services import replicas

    statements = replicas.sql()
    names = {sql: name for name, sql in statements["statements"]}
    names.update({sql: "scratch tables" for sql in statements["scratch"]})
    names.update({sql: "scratch tables" for sql in statements["wanted"]})
    names.update({sql: "pointers" for sql in statements["pointers"]})
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
                window = replicas.GroupWindow(
                    upstream_id=upstream.project.pk, lo=lo, hi=hi, now=timezone.now(),
                    members=[(side.project.pk, sequence.next_seq(side.project.pk))],
                    company_name=upstream.company.name, project_name=upstream.project.name,
                )  # fmt: skip
                replicas.apply_window(window)
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


LATENCY_DOWNSTREAMS = 20
LATENCY_POLL = 0.1  # `sheetflow worker`'s default poll interval, as `sheetflow serve` runs it


def _latency_workers(count: int) -> list[subprocess.Popen[bytes]]:
    """Workers as `sheetflow serve` starts them (its poll interval, periodic jobs on)."""
    from sheetflow.testing.workers import start_worker

    # The last --interval given wins: serve's, not the tests' 50 ms.
    return [start_worker(f"--interval={LATENCY_POLL}") for _ in range(count)]


def _queue_idle(limit: float) -> None:
    """Wait until no task is ready or running (initial copies, renderings, announcements)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    start = time.perf_counter()
    while (
        DBTaskResult.objects.ready().exists()
        or DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    ):
        if time.perf_counter() - start > limit:
            raise RuntimeError(f"the task queue was still busy after {limit:.0f} s")
        time.sleep(0.05)


def _pickup(since: Any) -> float | None:
    """How long the first task enqueued after ``since`` waited before a worker started it."""
    from django_tasks_db.models import DBTaskResult

    first = (
        DBTaskResult.objects.filter(enqueued_at__gte=since, started_at__isnull=False)
        .order_by("enqueued_at")
        .first()
    )
    if first is None or first.started_at is None:
        return None
    return float((first.started_at - first.enqueued_at).total_seconds())


@section("sync-latency", "publish-to-visible in 20 connected downstreams, running workers")
def latency(options: Options) -> None:
    from django.db import connection
    from django.utils import timezone

    from bench import percentile
    from sheetflow.drawings.services import revision_render
    from sheetflow.testing.drawings import publish_sheets, upload_sheets

    upstream = _company("Latency GC")
    publish_sheets(upstream.project, upstream.admin, 3, numbers=["L-001", "L-002", "L-003"])
    downstreams = [
        _downstream_of(upstream, f"Latency sub {i}")[0] for i in range(LATENCY_DOWNSTREAMS)
    ]
    count = max(10, min(60, options.requests))
    waiting = upload_sheets(upstream.project, upstream.admin, [f"N-{i:03d}" for i in range(count)])
    # Rendered here and now: renderings done by the workers during the measurement would each
    # send every downstream one more sync and queue ahead of the publishes.
    for revision in waiting:
        revision_render(revision_id=revision.pk)
    listens = connection.vendor == "postgresql"
    mechanism = "LISTEN/NOTIFY, polling as the fallback" if listens else "polling"
    line("wake-up", f"{mechanism} (2 workers, poll interval {LATENCY_POLL} s)")
    workers = _latency_workers(2)
    samples: list[float] = []
    pickups: list[float] = []
    try:
        _queue_idle(limit=300)  # the initial copies and the queued renderings
        for revision in waiting:
            since = timezone.now()
            samples.append(_publish_and_wait(upstream, revision, downstreams))
            pickup = _pickup(since)
            if pickup is not None:
                pickups.append(pickup)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
    line(f"publish → visible in all {LATENCY_DOWNSTREAMS} downstreams", timings(samples))
    line("first task of a publish: enqueued → started", timings(pickups))
    p50, p99 = median(samples) * 1000, percentile(samples, 99) * 1000
    if listens:
        line("target", f"p50 < 100 ms ({_met(p50 < 100)}), p99 < 500 ms ({_met(p99 < 500)})")
    else:
        line("target", f"p50 < 250 ms ({_met(p50 < 250)})")


@dataclass
class Fanout:
    """One publish of many revisions to many downstreams, as the downstreams saw it."""

    everywhere: float  # seconds until the last downstream had every revision
    per_downstream: list[float]  # seconds until each downstream had them all
    worker_peak_mb: float


def _peak_mb(pid: int) -> float:
    # VmHWM: the process's peak resident memory, read before it is stopped.
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    return 0.0


def _wait_caught_up(ids: list[int], limit: float) -> None:
    from sheetflow.connections.engine.wakeups import behind_connections
    from sheetflow.connections.models import Connection

    start = time.perf_counter()
    while (
        behind_connections()
        or Connection.objects.filter(pk__in=ids, initial_done_at__isnull=True).exists()
    ):
        if time.perf_counter() - start > limit:
            raise RuntimeError("the initial copies did not finish in time")
        time.sleep(0.1)


def _prepared(upstream: Side, prefix: str, count: int) -> list[Any]:
    """One published sheet and ``count`` unpublished ones, all rendered here and now.

    Renderings are upstream changes too: made by the workers during the measurement, each
    would send every downstream one more pass, so they are done before the clock starts.
    """
    from sheetflow.drawings.services import revision_render
    from sheetflow.testing.drawings import publish_sheets, upload_sheets

    seed = publish_sheets(upstream.project, upstream.admin, 1, numbers=[f"{prefix}-000"])
    waiting = upload_sheets(
        upstream.project, upstream.admin, [f"{prefix}-{i:03d}" for i in range(1, count + 1)]
    )
    for revision in [*seed, *waiting]:
        revision_render(revision_id=revision.pk)
    return waiting


def _wait_announced(ids: list[int], start: float, limit: float = 180) -> None:
    """Print when every downstream's "new sheets" message was written (or that it was not)."""
    from django_tasks_db.models import DBTaskResult

    label = "  'new sheets' messages written for all"
    # One task per window writes the messages of all its downstreams: done when none is left.
    while DBTaskResult.objects.filter(
        task_path__endswith="announce_new_copies_task", status__in=("READY", "RUNNING")
    ).exists():
        if time.perf_counter() - start > limit:
            queued = DBTaskResult.objects.filter(
                task_path__endswith="sync_upstream_task", status="READY"
            ).count()
            line(label, f"not within {limit:.0f} s ({queued:,} sync wake-ups queued ahead)")
            return
        time.sleep(0.05)
    line(label, f"{time.perf_counter() - start:.2f} s after the publish")


def _publish_to_all(
    upstream: Side,
    connections: list[Any],
    waiting: list[Any],
    workers: int,
    report: Any = lambda run: None,
) -> Fanout:
    """Publish ``count`` revisions at once; when each downstream had them all, and when all did.

    A downstream has them when its cursor passes the publish: the copies commit in the same
    transaction as the cursor.
    """
    from sheetflow.connections.models import Connection
    from sheetflow.drawings import sequence
    from sheetflow.drawings.services import revisions_publish
    from sheetflow.testing.workers import start_worker

    ids = [c.pk for c in connections]
    processes = [start_worker() for _ in range(workers)]
    try:
        _wait_caught_up(ids, limit=600)
        start = time.perf_counter()
        revisions_publish(user=upstream.admin, revisions=waiting)
        head = sequence.current_seq(upstream.project.pk)
        seen: dict[int, float] = {}
        while len(seen) < len(ids):
            now = time.perf_counter() - start
            if now > 600:
                raise RuntimeError(f"only {len(seen)}/{len(ids)} downstreams in 600 s")
            done = Connection.objects.filter(pk__in=ids, synced_seq__gte=head).values_list(
                "pk", flat=True
            )
            for pk in done:
                seen.setdefault(pk, now)
            time.sleep(0.02)
        everywhere = time.perf_counter() - start
        run = Fanout(everywhere, list(seen.values()), max(_peak_mb(p.pid) for p in processes))
        report(run)
        _wait_announced(ids, start)
        return run
    finally:
        for process in processes:
            process.terminate()
            process.wait()


def _downstreams(upstream: Side, n: int, name: str) -> list[Any]:
    from django.test.utils import override_settings

    # Throwaway accounts: a fast password hash keeps building a thousand of them short.
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=fast):
        return [_downstream_of(upstream, f"{name} {i}")[1] for i in range(n)]


@section("sync-fanout", "100 revisions published at once to 100 and to 1,000 downstreams")
def fanout(options: Options) -> None:
    from django.db import connection

    # PostgreSQL serves several workers at once; SQLite has one writer at a time.
    workers = 2 if connection.vendor == "postgresql" else 1
    line("workers", str(workers))
    single = _company("Fanout base GC")
    waiting = _prepared(single, "B", 100)
    one = _downstreams(single, 1, "Fanout base sub")
    line("baseline: 100 revisions x 1 downstream", "")
    _publish_to_all(single, one, waiting, workers, report=_fanout_report)

    for n, prefix in ((100, "F"), (1000, "G")):
        upstream = _company(f"Fanout GC {n}")
        waiting = _prepared(upstream, prefix, 100)
        connections = _downstreams(upstream, n, f"Fanout {n} sub")
        line(f"100 revisions x {n:,} downstreams", "")
        _publish_to_all(upstream, connections, waiting, workers, report=_fanout_report)


def _fanout_report(run: Fanout) -> None:
    from bench import percentile

    n = len(run.per_downstream)
    p50 = median(run.per_downstream)
    p99 = percentile(run.per_downstream, 99)
    rate = 100 * n / run.everywhere
    line("  visible everywhere", f"{run.everywhere:.2f} s")
    line("  visible per downstream", f"p50 {p50:.2f} s   p99 {p99:.2f} s")
    if n == 1000:
        line("  target (PostgreSQL, 2 workers)", f"p99 < 10 s ({_met(p99 < 10)})")
    target = f"target >= 20,000 ({_met(rate >= 20_000)})"
    line("  revision copies per second", f"{rate:,.0f}   {target}")
    line("  worker peak memory", f"{run.worker_peak_mb:.0f} MB")
