"""Distribution: the upstream's matrix page (current set x downstreams) at scale."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from statistics import median
from typing import Any

from bench import Options, line, ratio, section, timings

DOWNSTREAMS = 100
DRAWINGS = 1_000
TARGET_MS = 150


def _world(downstreams: int, drawings: int) -> tuple[Any, Any]:
    """An upstream with ``drawings`` published sheets copied into ``downstreams`` projects.

    Built in bulk (the sync engine's own speed is measured elsewhere): copies are rows
    exactly as the engine writes them, a third published, a few withdrawn.
    """
    from django.db import transaction

    from sheetflow.connections.models import Connection, State
    from sheetflow.drawings import sequence
    from sheetflow.drawings.models import Area, Drawing, Revision
    from sheetflow.projects.services import project_create
    from sheetflow.testing.cast import build_cast
    from sheetflow.testing.drawings import upload_sheets

    cast = build_cast()
    up = cast.gc_project
    seed = upload_sheets(up, cast.gc_pm, ["X-000"])[0]
    now = dt.datetime.now(dt.UTC)
    area = Area.objects.filter(project=up).first()
    with transaction.atomic():
        first = sequence.reserve(up.pk, drawings * 2)
        ups = Drawing.objects.bulk_create(
            [
                Drawing(
                    project=up,
                    area=area,
                    number=f"A-{1000 + i}",
                    title=f"Plan {i}",
                    discipline="Architectural",
                    position=i,
                    change_seq=first + i,
                )
                for i in range(drawings)
            ],
            batch_size=2000,
        )
        revs = Revision.objects.bulk_create(
            [
                Revision(
                    project=up,
                    drawing=d,
                    revision_number="1",
                    drawing_date=now.date(),
                    received_date=now.date(),
                    sheet_id=seed.sheet_id,
                    is_published=True,
                    published_at=now,
                    change_seq=first + drawings + i,
                )
                for i, d in enumerate(ups)
            ],
            batch_size=2000,
        )
        for d, r in zip(ups, revs, strict=True):
            d.current_revision = r
            d.latest_revision = r
        Drawing.objects.bulk_update(ups, ["current_revision", "latest_revision"], batch_size=2000)
    for n in range(downstreams):
        down = project_create(company=cast.sub, name=f"Sub job {n:03d}", code=f"S{n:03d}")
        down_area = Area.objects.filter(project=down).first()
        with transaction.atomic():
            Connection.objects.create(
                upstream=up, downstream=down, state=State.CONNECTED, connected_at=now,
                initial_done_at=now, last_synced_at=now, synced_seq=first + 2 * drawings,
            )  # fmt: skip
            copies = Drawing.objects.bulk_create(
                [
                    Drawing(
                        project=down,
                        area=down_area,
                        number=d.number,
                        title=d.title,
                        position=d.position,
                        upstream_uuid=d.uuid,
                        is_synced=True,
                    )
                    for d in ups
                ],
                batch_size=2000,
            )
            Revision.objects.bulk_create(
                [
                    Revision(
                        project=down,
                        drawing=c,
                        revision_number="1",
                        uuid=uuid.uuid4(),
                        drawing_date=now.date(),
                        received_date=now.date(),
                        sheet_id=seed.sheet_id,
                        upstream_uuid=r.uuid,
                        is_published=(i + n) % 3 == 0,
                        published_at=now if (i + n) % 3 == 0 else None,
                        published_by=cast.sub_pm if (i + n) % 3 == 0 else None,
                        withdrawn_upstream_at=now if (i + n) % 97 == 0 else None,
                    )
                    for i, (c, r) in enumerate(zip(copies, revs, strict=True))
                ],
                batch_size=2000,
            )
    return cast, up


@section("distribution", "the upstream's distribution matrix, 100 downstreams x 1,000 drawings")
def matrix(options: Options) -> None:
    from django.db import connection as db
    from django.http import StreamingHttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    cast, up = _world(DOWNSTREAMS, DRAWINGS)
    line("built in", f"{time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(cast.gc_pm)
    base = f"/projects/{up.pk}/connections/distribution/matrix/"
    # A cursor deep in the set: keyset pagination should make it as fast as the first page.
    deep = client.get(f"/api/v1/projects/{up.pk}/distribution/matrix?limit=200").json()
    urls = {
        # The baseline: a small page of the same site, measured in the same run (a loaded
        # machine slows both alike, so the ratio stays comparable).
        "baseline: the project list page": "/projects/",
        "matrix page 1 (25 rows x 100 downstreams)": base,
        "matrix deep page (cursor)": f"{base}?cursor={deep['next_cursor']}",
        "matrix API, 50 rows": f"/api/v1/projects/{up.pk}/distribution/matrix?limit=50",
        "per-downstream backlog page": f"/projects/{up.pk}/connections/distribution/",
    }
    baseline = 0.0
    for label, url in urls.items():
        client.get(url)  # warm
        samples = []
        for _ in range(max(5, options.requests // 2)):
            t = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
        p50 = median(samples)
        baseline = baseline or p50
        line(label, f"{timings(samples)}   {ratio(p50, baseline)}")
    with CaptureQueriesContext(db) as ctx:
        client.get(base)
    line("matrix page SQL queries", f"{len(ctx.captured_queries)} (target: p50 < {TARGET_MS} ms)")
    t = time.perf_counter()
    response = client.get(f"/projects/{up.pk}/connections/distribution/matrix.csv")
    assert isinstance(response, StreamingHttpResponse)
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    line("CSV export, all cells", f"{rows - 1:,} lines in {time.perf_counter() - t:.2f} s")
