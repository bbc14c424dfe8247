"""Learning from one correction: the rule applied to the rest of the upload, remembered."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen.canvas import Canvas

from sheetflow.drawings.models import TitleBlockLayout, UploadSheet
from tests.cast import Cast
from tests.drawings.test_pages import log_url, upload_form


def odd_set(numbers: list[str]) -> bytes:
    """Sheets whose number sits small at the top left, where nothing would look for it."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(1224, 792))
    for number in numbers:
        c.setFont("Helvetica", 7)
        c.drawString(30, 770, f"DWG {number}")
        c.drawString(30, 760, "Bayview Depot")
        c.drawString(300, 400, "GENERAL ARRANGEMENT")
        c.showPage()
    c.save()
    return buffer.getvalue()


def _post_review(client: Any, url: str, numbers: list[str], **extra: str) -> Any:
    data = {"action": "confirm", **extra}
    for i, number in enumerate(numbers):
        data |= {f"include_{i}": "on", f"number_{i}": number, f"revision_{i}": "0"}
        data |= {f"title_{i}": ""}
    return client.post(url, data)


def test_one_correction_is_applied_to_the_other_sheets_and_remembered(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("depot.pdf", odd_set(["K7-01", "K7-02", "K7-03"]))]
    review = client.post(f"{log_url(cast)}upload/", upload_form(files))["Location"]
    assert list(UploadSheet.objects.values_list("number", flat=True)) == [
        "depot-1",
        "depot-2",
        "depot-3",
    ]
    html = client.get(review).content.decode()
    assert 'value="rule:number:0"' in html  # the offer, revealed once a number is edited
    response = _post_review(client, review, ["K7-01", "depot-2", "depot-3"], action="rule:number:0")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="K7-02"' in html and 'value="K7-03"' in html
    assert 'id="rule-notice"' in html
    layout = TitleBlockLayout.objects.get(project=cast.gc_project)
    assert layout.number_x is not None and layout.number_x < 0.2
    assert layout.number_y is not None and layout.number_y < 0.1

    # The next upload of this project reads the number from the remembered place.
    files = [SimpleUploadedFile("depot2.pdf", odd_set(["K8-01", "K8-02"]))]
    client.post(f"{log_url(cast)}upload/", upload_form(files))
    latest = UploadSheet.objects.filter(number__startswith="K8").order_by("index")
    assert [s.number for s in latest] == ["K8-01", "K8-02"]
    assert latest[0].evidence["number"]["source"] == "layout"


def test_a_value_not_written_on_the_sheet_gives_a_clear_message(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("depot.pdf", odd_set(["K7-01", "K7-02"]))]
    review = client.post(f"{log_url(cast)}upload/", upload_form(files))["Location"]
    response = _post_review(client, review, ["Z-999", "depot-2"], action="rule:number:0")
    assert response.status_code == 400
    assert "is not written on sheet 1" in response.content.decode()
    assert not TitleBlockLayout.objects.exists()


def test_a_drawings_admin_edits_and_resets_the_layout_and_others_cannot(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    url = f"{log_url(cast)}upload/layout/"
    admin = page_as(cast.gc_pm)
    assert 'id="no-layout"' in admin.get(url).content.decode()
    saved = admin.post(url, {"number_x": "95", "number_y": "96", "title_x": "", "title_y": ""})
    assert saved.status_code == 302
    layout = TitleBlockLayout.objects.get(project=cast.gc_project)
    assert (layout.number_x, layout.number_y) == (0.95, 0.96)
    refused = admin.post(url, {"number_x": "150", "number_y": "3"})
    assert refused.status_code == 400
    assert page_as(cast.gc_reader).get(url).status_code in (403, 404)
    assert page_as(cast.outsider).get(url).status_code == 404
    admin.post(url, {"action": "reset"})
    assert not TitleBlockLayout.objects.exists()


def test_a_title_correction_takes_every_title_from_the_same_place(
    cast: Cast, page_as: Callable[..., Any]
) -> None:
    client = page_as(cast.gc_pm)
    files = [SimpleUploadedFile("depot.pdf", odd_set(["K7-01", "K7-02"]))]
    review = client.post(f"{log_url(cast)}upload/", upload_form(files))["Location"]
    data = {"action": "rule:title:0", "number_0": "K7-01", "number_1": "K7-02"}
    data |= {"title_0": "Bayview Depot", "title_1": "", "revision_0": "0", "revision_1": "0"}
    response = client.post(review, data)
    assert response.status_code == 200
    assert 'name="title_1" id="title_1" value="Bayview Depot"' in response.content.decode()
    layout = TitleBlockLayout.objects.get(project=cast.gc_project)
    assert layout.title_y is not None and layout.title_y < 0.1 and layout.number_x is None
