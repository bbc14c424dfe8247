"""pdfium is never run on two threads of one process at once: parallel uploads stay sound.

A web process serving two multi-page uploads at the same time once aborted with native
memory corruption. Both uploads must come back whole, page for page, however their threads
interleave.
"""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.client import MULTIPART_CONTENT

from tests.cast import Cast
from tests.drawings.factories import sheet_pdf

PAGES = 40
ROUNDS = 2


@pytest.mark.django_db(transaction=True)
def test_two_multi_page_uploads_in_parallel_threads_both_come_back_whole(
    cast: Cast, api_as
) -> None:
    pid = cast.gc_project.pk
    sets = {name: [f"{name}-{i:03d}" for i in range(PAGES)] for name in ("A", "S")}
    pdfs = {name: sheet_pdf(numbers) for name, numbers in sets.items()}
    answers: dict[tuple[str, int], tuple[int, list[str]]] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(len(sets))

    def upload(name: str) -> None:
        api = api_as(cast.gc_pm)
        try:
            for round_ in range(ROUNDS):
                start.wait()
                response = api.post(
                    f"/projects/{pid}/uploads",
                    {"files": [SimpleUploadedFile(f"{name}.pdf", pdfs[name])]},
                    content_type=MULTIPART_CONTENT,
                )
                body = response.json()
                numbers = [s["number"] for s in body.get("sheets", [])]
                answers[(name, round_)] = (response.status_code, numbers)
        except BaseException as exc:  # reported to the test thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(name,)) for name in sets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    for name, numbers in sets.items():
        for round_ in range(ROUNDS):
            assert answers[(name, round_)] == (201, numbers)
