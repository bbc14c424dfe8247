"""Concurrent writers in one project: sequence order is commit order, so readers miss nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from sheetflow.drawings.models import Area
from sheetflow.drawings.services import area_create
from tests.cast import Cast, build_cast

WRITERS = 4
WRITES_EACH = 15


@pytest.mark.django_db(transaction=True)
def test_a_reader_following_change_seq_never_sees_a_gap_while_writers_race() -> None:
    cast: Cast = build_cast()
    project = cast.gc_project
    start = threading.Barrier(WRITERS + 1)
    done = threading.Event()
    failures: list[BaseException] = []
    gaps: list[tuple[int, list[int]]] = []
    seen: list[int] = []

    def write(k: int) -> None:
        try:
            start.wait()
            for i in range(WRITES_EACH):
                area_create(project=project, name=f"Area {k}-{i}")
        except BaseException as exc:  # reported to the test thread
            failures.append(exc)
        finally:
            connections.close_all()

    def read() -> None:
        # Every committed area holds one number. If numbers were handed out in a different
        # order than commits, a reader would see a later number before an earlier one.
        cursor = 0
        try:
            start.wait()
            while True:
                finished = done.is_set()
                seqs = list(
                    Area.objects.filter(project=project)
                    .order_by("change_seq")
                    .values_list("change_seq", flat=True)
                )
                if seqs != list(range(1, len(seqs) + 1)):
                    gaps.append((cursor, seqs))
                new = [s for s in seqs if s > cursor]
                seen.extend(new)
                cursor = max(seqs, default=cursor)
                if finished:
                    break
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(WRITERS)]
    reader = threading.Thread(target=read)
    for t in [*threads, reader]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()

    assert not failures
    assert not gaps
    total = 1 + WRITERS * WRITES_EACH  # the default area, then every writer's areas
    assert sorted(seen) == list(range(1, total + 1))
