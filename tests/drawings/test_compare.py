"""Revision compare through the API and the worker: pending → ready, cache, refusals, failures."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from sheetflow.drawings.blobs import blob_path, purge_unreferenced
from sheetflow.drawings.models import Blob, ComparisonStatus, SheetComparison
from sheetflow.drawings.services.comparing import comparison_compute
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets
from tests.drawings.real_sheets import real_a010

pytestmark = pytest.mark.django_db


def url(cast: Cast) -> str:
    return f"/projects/{cast.gc_project.pk}/comparisons"


def test_a_comparison_is_pending_until_the_worker_computes_it_then_lists_regions_and_words(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm)
    drain_tasks()  # the thumbnails
    api = api_as(cast.gc_reader)
    response = api.get(url(cast), {"a": first.pk, "b": second.pk})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["overlay_url"] is None

    assert drain_tasks() == 1
    response = api.get(url(cast), {"a": first.pk, "b": second.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["drawing_id"] == first.drawing_id
    assert body["region_count"] == len(body["regions"]) >= 3
    assert body["width"] * body["height"] <= 4_000_000
    for region in body["regions"]:
        assert region["x"] >= 0 and region["x"] + region["width"] <= body["width"]
        assert region["y"] >= 0 and region["y"] + region["height"] <= body["height"]
    # The issue date in the title block changed, and notes were added to the plan.
    assert "08/08/2019" in body["words_added"]
    assert "07/11/2019" in body["words_removed"]
    assert "TRANSFORMERS" in body["words_added"]

    overlay = api.get(body["overlay_url"])
    assert overlay.status_code == 200
    assert overlay["Content-Type"] == "image/png"
    assert b"".join(overlay.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_comparison_is_made_once_per_pair_of_sheets_and_a_second_run_changes_nothing(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm)
    api = api_as(cast.gc_pm)
    api.get(url(cast), {"a": first.pk, "b": second.pk})
    api.get(url(cast), {"a": first.pk, "b": second.pk})
    assert SheetComparison.objects.count() == 1
    drain_tasks()
    comparison = SheetComparison.objects.get()
    blobs = Blob.objects.count()
    comparison_compute(comparison_id=comparison.pk)  # a task delivered twice
    again = SheetComparison.objects.get()
    assert (again.regions, again.overlay_id, again.computed_at) == (
        comparison.regions,
        comparison.overlay_id,
        comparison.computed_at,
    )
    assert Blob.objects.count() == blobs
    # The reverse order is its own comparison (the colours swap).
    assert api.get(url(cast), {"a": second.pk, "b": first.pk}).status_code == 202
    assert SheetComparison.objects.count() == 2


def test_outsiders_and_readers_of_unpublished_revisions_get_404(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    first, second = real_a010(cast.gc_project, cast.gc_pm, publish=False)
    pair = {"a": first.pk, "b": second.pk}
    for user in (cast.outsider, cast.gc_reader):
        response = api_as(user).get(url(cast), pair)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert api_as(user).get(f"{url(cast)}/images/overlay", pair).status_code == 404
    assert api_as(None).get(url(cast), pair).status_code == 401
    assert SheetComparison.objects.count() == 0
    assert api_as(cast.gc_pm).get(url(cast), pair).status_code == 202


def test_revisions_of_two_drawings_are_refused_and_one_sheet_twice_is_unchanged_at_once(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    one, other = publish_sheets(cast.gc_project, cast.gc_pm, 2)
    api = api_as(cast.gc_pm)
    response = api.get(url(cast), {"a": one.pk, "b": other.pk})
    assert response.status_code == 400
    assert response.json()["code"] == "different_drawings"
    assert api.get(f"{url(cast)}/images/overlay", {"a": one.pk, "b": other.pk}).status_code == 400
    response = api.get(url(cast), {"a": one.pk, "b": one.pk})
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["region_count"] == 0 and response.json()["overlay_url"] is None
    assert api.get(url(cast), {"a": one.pk, "b": 0}).status_code == 422
    assert api.get(f"{url(cast)}/images/sheet", {"a": one.pk, "b": one.pk}).status_code == 404
    assert SheetComparison.objects.count() == 0


def _two_revisions(cast: Cast) -> tuple[Any, Any]:
    (first,) = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="0")
    (second,) = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], revision="1")
    return first, second


def test_an_unreadable_sheet_gives_could_not_compare_instead_of_computing_forever(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    first, second = _two_revisions(cast)
    # The stored bytes of one sheet are damaged (a bad disk, a hand-edited store).
    path = blob_path(second.sheet_id)
    default_storage.delete(path)
    default_storage.save(path, io.BytesIO(b"%PDF-1.7 not really\n%%EOF"))
    api = api_as(cast.gc_pm)
    assert api.get(url(cast), {"a": first.pk, "b": second.pk}).status_code == 202
    drain_tasks()
    body = api.get(url(cast), {"a": first.pk, "b": second.pk}).json()
    assert body["status"] == "failed"
    assert body["error"] == "a sheet could not be rendered"
    assert body["overlay_url"] is None


def test_a_comparison_over_its_time_limit_fails_cleanly(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int], settings: Any
) -> None:
    settings.DRAWINGS_COMPARE_SECONDS = 0
    first, second = _two_revisions(cast)
    api = api_as(cast.gc_pm)
    api.get(url(cast), {"a": first.pk, "b": second.pk})
    drain_tasks()
    comparison = SheetComparison.objects.get()
    assert comparison.status == ComparisonStatus.FAILED
    assert comparison.error == "it took longer than 0 seconds"


def test_a_comparison_whose_task_was_lost_is_queued_again_when_asked_after_a_while(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int], time_machine: Any
) -> None:
    first, second = _two_revisions(cast)
    drain_tasks()
    api = api_as(cast.gc_pm)
    api.get(url(cast), {"a": first.pk, "b": second.pk})
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the queue lost it
    assert api.get(url(cast), {"a": first.pk, "b": second.pk}).status_code == 202
    assert drain_tasks() == 0
    time_machine.move_to(timezone.now() + timedelta(minutes=6), tick=False)
    assert api.get(url(cast), {"a": first.pk, "b": second.pk}).status_code == 202
    assert drain_tasks() == 1
    assert api.get(url(cast), {"a": first.pk, "b": second.pk}).json()["status"] == "ready"


def test_a_comparison_tried_too_often_gives_up(cast: Cast, api_as: Callable[..., Any]) -> None:
    first, second = _two_revisions(cast)
    api_as(cast.gc_pm).get(url(cast), {"a": first.pk, "b": second.pk})
    SheetComparison.objects.update(attempts=3)  # three workers died on it
    comparison_compute(comparison_id=SheetComparison.objects.get().pk)
    comparison = SheetComparison.objects.get()
    assert comparison.status == ComparisonStatus.FAILED
    assert comparison.error == "it failed every time it was tried"


def test_the_blob_purge_keeps_comparison_images_and_forgets_comparisons_of_gone_sheets(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int], time_machine: Any
) -> None:
    first, second = _two_revisions(cast)
    api_as(cast.gc_pm).get(url(cast), {"a": first.pk, "b": second.pk})
    drain_tasks()
    comparison = SheetComparison.objects.get()
    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    purge_unreferenced()
    assert SheetComparison.objects.filter(pk=comparison.pk).exists()
    assert default_storage.exists(blob_path(comparison.overlay_id))  # type: ignore[arg-type]

    SheetComparison.objects.filter(pk=comparison.pk).update(sha_b="0" * 64)  # a purged sheet
    purge_unreferenced()
    assert not SheetComparison.objects.exists()
    assert not default_storage.exists(blob_path(comparison.overlay_id))  # type: ignore[arg-type]


def _page(size: tuple[float, float], note: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    c = Canvas(out, pagesize=size, invariant=True)
    c.rect(20, 20, size[0] - 40, size[1] - 40)
    c.drawString(60, 60, note)
    c.showPage()
    c.save()
    return out.getvalue()


def test_sheets_of_different_page_sizes_are_compared_at_one_scale(
    cast: Cast, api_as: Callable[..., Any], drain_tasks: Callable[..., int]
) -> None:
    from sheetflow.drawings.models import Area
    from sheetflow.drawings.services import upload_confirm, upload_create
    from tests.drawings.factories import DATE, as_upload

    area = Area.objects.filter(project=cast.gc_project).first()
    made = []
    for number, data in (("0", _page((792, 612), "FIRST")), ("1", _page((1224, 792), "SECOND"))):
        upload = upload_create(
            project=cast.gc_project,
            user=cast.gc_pm,
            files=[as_upload(data, "X-1.pdf")],
            area=area,  # type: ignore[arg-type]
            drawing_set=None,
            drawing_date=DATE,
            received_date=DATE,
            revision_number=number,
        )
        made.extend(upload_confirm(upload=upload, user=cast.gc_pm))
    api = api_as(cast.gc_pm)
    api.get(url(cast), {"a": made[0].pk, "b": made[1].pk})
    drain_tasks()
    body = api.get(url(cast), {"a": made[0].pk, "b": made[1].pk}).json()
    assert body["status"] == "ready"
    # The canvas is the bigger page at the budget's scale; the smaller sits in its corner.
    assert body["width"] / body["height"] == pytest.approx(1224 / 792, rel=0.01)
    assert body["words_added"] == ["SECOND"] and body["words_removed"] == ["FIRST"]
    assert body["region_count"] >= 1
    assert body["width"] * body["height"] <= 4_000_000
