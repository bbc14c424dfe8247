"""Drawings: the drawing log at scale, and splitting + rendering a 100-page upload."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

from bench import Options, line, ratio, section, timings

LOG_PAGE = 50
# The baseline: a project small enough to be trivial, big enough for full 50-row pages.
BASELINE = 1_000


def _cast() -> Any:
    from sheetflow.testing.cast import build_cast

    return build_cast()


def _fill(project: Any, user: Any, revisions: int) -> None:
    """A project with ``revisions`` revisions over revisions/5 drawings, in bulk.

    A few sheets go through the real upload services (real blobs and renderings); the bulk
    rows reuse those blobs, as connected copies do.
    """
    from django.db import transaction

    from sheetflow.drawings import sequence
    from sheetflow.drawings.models import Drawing, DrawingSet, Revision
    from sheetflow.drawings.selectors import areas
    from sheetflow.drawings.services import revision_render, revisions_publish
    from sheetflow.testing.drawings import upload_sheets

    seeds = upload_sheets(project, user, ["X-001", "X-002"])
    for seed in seeds:
        revision_render(revision_id=seed.pk)
    revisions_publish(user=user, revisions=seeds)
    seed = Revision.objects.get(pk=seeds[0].pk)
    area = areas(project=project).first()
    per_drawing = 5
    drawings = max(1, revisions // per_drawing)
    prefixes = ["A", "S", "M", "E", "P", "FP", "C"]
    from sheetflow.drawings.models import DEFAULT_DISCIPLINES as disciplines

    with transaction.atomic():
        sets = []
        for k in range(per_drawing):
            s = DrawingSet(project=project, name=f"Issue {k}", date=dt.date(2025, 1 + k, 1))
            s.change_seq = sequence.next_seq(project.pk)
            s.save()
            sets.append(s)
        first = sequence.reserve(project.pk, drawings)
        rows = []
        for i in range(drawings):
            prefix = prefixes[i % len(prefixes)]
            rows.append(Drawing(
                project=project, area=area, number=f"{prefix}-{1000 + i}",
                title=f"Sheet {i} plan", discipline=disciplines[prefix], change_seq=first + i,
            ))  # fmt: skip
        Drawing.objects.bulk_create(rows, batch_size=2000)
    batch: list[Revision] = []
    now = dt.datetime.now(dt.UTC)
    for start in range(0, drawings, 1000):
        chunk = rows[start : start + 1000]
        with transaction.atomic():
            first = sequence.reserve(project.pk, len(chunk) * per_drawing)
            batch = []
            for j, drawing in enumerate(chunk):
                for k in range(per_drawing):
                    batch.append(Revision(
                        project=project, drawing=drawing, revision_number=str(k),
                        revision_status="For Construction",
                        drawing_date=dt.date(2025, 1 + k, 1), received_date=dt.date(2025, 1 + k, 2),
                        drawing_set=sets[k], sheet_id=seed.sheet_id, thumbnail_id=seed.thumbnail_id,
                        image_id=seed.image_id, is_published=k < per_drawing - 1, published_at=now,
                        change_seq=first + j * per_drawing + k,
                    ))  # fmt: skip
            created = Revision.objects.bulk_create(batch, batch_size=2000)
            for j, drawing in enumerate(chunk):
                mine = created[j * per_drawing : (j + 1) * per_drawing]
                drawing.current_revision_id = mine[-2].pk
                drawing.latest_revision_id = mine[-1].pk
            Drawing.objects.bulk_update(
                chunk, ["current_revision", "latest_revision"], batch_size=1000
            )


def _measure(client: Any, urls: list[str]) -> tuple[list[float], set[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples, queries = [], set()
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        samples.append(elapsed)
        queries.add(len(ctx.captured_queries))
    return samples, queries


def _urls(project_id: int, revisions: int, n: int, *, api: bool) -> list[str]:
    pages = max(1, (revisions // 5) // LOG_PAGE)
    variants = ["", "discipline=Structural", "published=unpublished", "sort=-date", "q=1234"]
    urls = []
    for i in range(n):
        page = (i * 7919) % pages  # spread over the whole log, deep pages included
        extra = variants[i % len(variants)]
        if api:
            urls.append(
                f"/api/v1/projects/{project_id}/drawings?limit={LOG_PAGE}"
                f"&offset={page * LOG_PAGE if not extra else 0}&{extra}"
            )
        else:
            urls.append(
                f"/projects/{project_id}/drawings/?page={page + 1 if not extra else 1}&{extra}"
            )
    return urls


@section("drawings-log", "drawing log API and page, p50/p99 server time and queries per page")
def log(options: Options) -> None:
    from django.test import Client

    from sheetflow.drawings.selectors import revision_count

    cast = _cast()
    started = time.perf_counter()
    _fill(cast.gc_project, cast.gc_pm, options.revisions)
    _fill(cast.sub_project, cast.sub_pm, BASELINE)
    line("project size (revisions)", f"{revision_count(project=cast.gc_project):,}")
    line("built in", f"{time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(cast.gc_pm)
    small = Client()
    small.force_login(cast.sub_pm)
    n = options.requests
    for label, api in (("API", True), ("page", False)):
        # Warm up (connections, template caches) before measuring.
        _measure(client, _urls(cast.gc_project.pk, options.revisions, 3, api=api))
        base, base_q = _measure(small, _urls(cast.sub_project.pk, BASELINE, n, api=api))
        big, big_q = _measure(client, _urls(cast.gc_project.pk, options.revisions, n, api=api))
        line(f"log {label}, baseline project ({BASELINE:,} revisions)", timings(base))
        line(f"log {label}, {options.revisions:,} revisions", timings(big))
        line(
            f"log {label}, ratio p50 big/baseline",
            ratio(sorted(big)[len(big) // 2], sorted(base)[len(base) // 2]),
        )
        line(f"log {label}, SQL queries per page", f"{sorted(big_q)} (baseline {sorted(base_q)})")


@section("drawings-upload", "split a 100-page upload, then render its thumbnails")
def upload(options: Options) -> None:
    from sheetflow.drawings.models import Area, Revision
    from sheetflow.drawings.samples import drawing_set_pdf
    from sheetflow.drawings.services import (
        UploadedFile,
        revision_render,
        upload_confirm,
        upload_create,
    )

    cast = _cast()
    project, user = cast.gc_project, cast.gc_pm
    area = Area.objects.filter(project=project).first()
    assert area is not None

    def run(pages: int, revision: str) -> tuple[float, float]:
        sheets = tuple((f"U{revision}-{i:03d}", f"Bench sheet {i}") for i in range(pages))
        data = drawing_set_pdf(sheets, revision=revision)
        start = time.perf_counter()
        pending = upload_create(
            project=project, user=user,
            files=[UploadedFile(name="bench.pdf", file=io.BytesIO(data), size=len(data))],
            area=area, drawing_set=None, drawing_date=dt.date(2026, 1, 1),
            received_date=dt.date(2026, 1, 1), revision_number=revision,
        )  # fmt: skip
        created = upload_confirm(upload=pending, user=user)
        split = time.perf_counter() - start
        start = time.perf_counter()
        for r in created:
            revision_render(revision_id=r.pk)
        rendered = time.perf_counter() - start
        assert (
            Revision.objects.filter(pk__in=[r.pk for r in created], thumbnail__isnull=True).count()
            == 0
        )
        return split, rendered

    one_split, one_render = run(1, "b")
    split, rendered = run(100, "c")
    line("baseline: 1-page upload split + create", f"{one_split * 1000:8.1f} ms")
    line("baseline: 1 sheet rendered (thumbnail + image)", f"{one_render * 1000:8.1f} ms")
    line("100-page upload split + create", f"{split * 1000:8.1f} ms   {ratio(split, one_split)}")
    line("100 sheets rendered", f"{rendered * 1000:8.1f} ms   {ratio(rendered, one_render)}")
