"""Download names survive any revision number: RFC 6266 `filename*` with a safe fallback."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from sheetflow.common.http import content_disposition
from tests.cast import Cast
from tests.drawings.factories import publish_sheets


def test_a_slash_or_non_ascii_keeps_the_whole_name() -> None:
    header = content_disposition("A-101 rev A/1 Zürich.pdf", attachment=True)
    assert header.startswith("attachment; ")
    assert 'filename="A-101 rev A-1 Zurich.pdf"' in header
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "A-101 rev A-1 Zürich.pdf"
    assert "/" not in encoded and '"' not in header.split("filename=")[1][1:-1].split('";')[0]


def test_quotes_and_control_characters_cannot_break_the_header() -> None:
    header = content_disposition('x"; filename=evil.exe\r\n.pdf', attachment=False)
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2
    assert header.startswith("inline; ")


@pytest.mark.django_db
def test_a_revision_number_with_a_slash_gives_a_whole_download_name(
    cast: Cast, page_as: Any
) -> None:
    [revision] = publish_sheets(cast.gc_project, cast.gc_pm, 1, revision="A/2")
    url = f"/projects/{cast.gc_project.pk}/drawings/revisions/{revision.pk}/sheet/"
    header = page_as(cast.gc_reader).get(url)["Content-Disposition"]
    assert unquote(header.split("filename*=UTF-8''")[1]) == "A-101 rev A-2.pdf"
