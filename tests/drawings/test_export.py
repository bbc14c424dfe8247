"""Exports: the drawing log as CSV (what the filters show) and the current set as a streamed
zip of PDFs named by number and title, bounded by settings."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from typing import Any

from sheetflow.drawings import export, selectors
from sheetflow.drawings.blobs import blob_read
from sheetflow.drawings.models import Revision
from sheetflow.drawings.services import area_create, drawing_update, revisions_publish
from tests.cast import Cast
from tests.drawings.factories import publish_sheets, upload_sheets


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def test_the_csv_is_exactly_what_the_filters_show_in_order(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3, numbers=["A-101", "S-101", "A-102"])
    upload_sheets(cast.gc_project, cast.gc_pm, ["A-900"])
    pid = cast.gc_project.pk
    response = api_as(cast.gc_pm).get(
        f"/projects/{pid}/drawings/export.csv", {"discipline": "Architectural", "sort": "-number"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = rows(response)
    assert table[0][:3] == ["Number", "Title", "Discipline"]
    listed = api_as(cast.gc_pm).get(
        f"/projects/{pid}/drawings", {"discipline": "Architectural", "sort": "-number"}
    )
    assert [r[0] for r in table[1:]] == [d["number"] for d in listed.json()["items"]]
    assert [r[0] for r in table[1:]] == ["A-900", "A-102", "A-101"]
    # A reader's export leaves out what only drawings admins see.
    reader = rows(api_as(cast.gc_reader).get(f"/projects/{pid}/drawings/export.csv"))
    assert sorted(r[0] for r in reader[1:]) == ["A-101", "A-102", "S-101"]


def test_the_csv_never_hands_a_spreadsheet_a_formula(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1)
    drawing_update(drawing=revision.drawing, title='=HYPERLINK("http://x","y")')
    response = page_as(cast.gc_pm).get(f"/projects/{cast.gc_project.pk}/drawings/export.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="RMC drawing log')
    assert rows(response)[1][1] == '\'=HYPERLINK("http://x","y")'


def test_the_current_set_zips_the_latest_published_sheets_with_readable_unique_names(
    cast: Cast, api_as: Callable[..., Any]
) -> None:
    [a101, a102] = publish_sheets(cast.gc_project, cast.gc_pm, 2, numbers=["A-101", "A-102"])
    drawing_update(drawing=a101.drawing, title="First Floor Plan")
    drawing_update(drawing=a102.drawing, title='Roof: "Level 2"')
    annex = area_create(project=cast.gc_project, name="Annex")
    [twin] = upload_sheets(cast.gc_project, cast.gc_pm, ["A-101"], area=annex)
    drawing_update(drawing=twin.drawing, title="First Floor Plan")
    upload_sheets(cast.gc_project, cast.gc_pm, ["E-101"])  # never published: not in the set
    response = api_as(cast.gc_pm).get(f"/projects/{cast.gc_project.pk}/drawings/current-set.zip")
    assert response.status_code == 200 and response.streaming
    assert response["X-Sheet-Count"] == "2"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == [
        "A-101 - First Floor Plan.pdf",
        "A-102 - Roof- -Level 2.pdf",
    ]
    assert archive.read("A-101 - First Floor Plan.pdf") == blob_read(a101.sheet)
    revisions_publish(user=cast.gc_pm, revisions=[twin])
    again = zipfile.ZipFile(
        io.BytesIO(
            body(api_as(cast.gc_pm).get(f"/projects/{cast.gc_project.pk}/drawings/current-set.zip"))
        )
    )
    assert sorted(n for n in again.namelist() if n.startswith("A-101")) == [
        "A-101 - First Floor Plan (2).pdf",
        "A-101 - First Floor Plan.pdf",
    ]


def test_names_are_sanitised_and_repeats_numbered_case_insensitively() -> None:
    assert export.sheet_name("A/1:01", 'Plan <"B"> *?|\tx') == "A-1-01 - Plan -B- -x"
    assert export.sheet_name("..", "  ") == "sheet"
    assert len(export.sheet_name("A", "x" * 400)) == export.NAME_MAX
    assert export.unique_names(["A", "a", "A", "B"]) == ["A", "a (2)", "A (3)", "B"]


def test_the_zip_is_streamed_a_chunk_at_a_time(cast: Cast, monkeypatch: Any) -> None:
    revisions = publish_sheets(cast.gc_project, cast.gc_pm, 4)
    monkeypatch.setattr(export, "CHUNK", 512)
    log = selectors.drawing_log(
        user=cast.gc_pm, project=cast.gc_project, filters=selectors.LogFilters()
    )
    chunks = list(export.set_zip(export.current_set(log)))
    total = sum(r.sheet.size for r in revisions)
    assert sum(len(c) for c in chunks) > total
    # Nothing close to a whole sheet, let alone the whole zip, is held at once.
    assert max(len(c) for c in chunks) <= 512 + 200
    assert min(r.sheet.size for r in revisions) > 3 * 512


def test_exports_past_the_bounds_are_refused_before_anything_is_sent(
    cast: Cast, api_as: Callable[..., Any], page_as: Callable[..., Any], settings: Any
) -> None:
    publish_sheets(cast.gc_project, cast.gc_pm, 3)
    url = f"/projects/{cast.gc_project.pk}/drawings/current-set.zip"
    settings.EXPORT_MAX_SHEETS = 2
    refused = api_as(cast.gc_pm).get(url)
    assert refused.status_code == 400 and refused.json()["code"] == "export_too_large"
    assert api_as(cast.gc_pm).get(url, {"q": "A-101"}).status_code == 200
    settings.EXPORT_MAX_SHEETS = 100
    settings.EXPORT_MAX_BYTES = Revision.objects.first().sheet.size  # type: ignore[union-attr]
    page = page_as(cast.gc_pm).get(url, follow=True)
    assert "an export holds at most" in page.content.decode()
    assert api_as(cast.outsider).get(url).status_code == 404
