"""Refuse input that no database column can hold: NUL bytes and text that is not UTF-8.

PostgreSQL rejects NUL in text (a 500 deep in a query) and both databases would store
replacement characters for broken UTF-8; refusing at the door gives one clear 400 instead.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest
from ninja.parser import Parser

from sheetflow.common.errors import ServiceError


class InvalidCharacters(ServiceError):
    status = 400
    code = "invalid_characters"

    def __init__(self, where: str) -> None:
        super().__init__(f"The {where} contains a NUL byte or text that is not valid UTF-8.")


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")  # lone surrogates (from JSON "\ud800") cannot be encoded
    except UnicodeEncodeError:
        return True
    return False


def check_urlencoded(raw: bytes | str, where: str) -> None:
    """Check every name and value of a query string or urlencoded body, byte for byte."""
    data = raw.encode("latin-1", "replace") if isinstance(raw, str) else raw
    for pair in data.split(b"&"):
        for part in pair.split(b"=", 1):
            decoded = unquote_to_bytes(part.replace(b"+", b" "))
            try:
                text = decoded.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidCharacters(where) from None
            if "\x00" in text:
                raise InvalidCharacters(where)


def _walk(value: Any) -> bool:
    if isinstance(value, str):
        return _bad_text(value)
    if isinstance(value, dict):
        return any(_walk(k) or _walk(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_walk(v) for v in value)
    return False


def check_json(raw: bytes, *, declared: bool = True) -> None:
    """Check every string of a JSON body (malformed JSON is left to the parser's own error).

    A body not declared as JSON is checked only if it is JSON: other bodies may be binary.
    """
    if not raw:
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if declared:
            raise InvalidCharacters("request body") from None
        return
    if "\x00" in text:
        raise InvalidCharacters("request body")
    try:
        parsed = json.loads(text)
    except ValueError:
        return
    if _walk(parsed):
        raise InvalidCharacters("request body")


def check_multipart(request: HttpRequest) -> None:
    """Check the fields and file names of a parsed multipart body."""
    for name, values in request.POST.lists():
        if _bad_text(name) or any(_bad_text(v) for v in values):
            raise InvalidCharacters("form")
    for name, files in request.FILES.lists():
        if _bad_text(name) or any(_bad_text(f.name or "") for f in files):
            raise InvalidCharacters("form")


def guard_multipart(request: HttpRequest) -> None:
    """Check a multipart body when (and however) the view first parses it.

    Parsing stays lazy so a view can still choose its upload handlers (e.g. to stream large
    files to disk) before the body is read.
    """
    original = request._load_post_and_files

    def load_and_check() -> None:
        original()
        check_multipart(request)

    # Replaced on this one request, so that Django's own lazy parsing runs the check.
    request._load_post_and_files = load_and_check  # type: ignore[method-assign]


class CheckedParser(Parser):
    """The API's body parser, refusing NUL bytes and unencodable text in any JSON it reads.

    The framework parses a body as JSON whatever Content-Type it declares, so the check has
    to sit here as well as at the door.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if _walk(data):
            raise InvalidCharacters("request body")
        return data
