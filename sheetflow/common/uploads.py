"""Upload size limits enforced while the request body is read (before any view runs).

Files reach views as temporary files on disk (Django's handlers), never whole in memory;
this handler counts bytes as they stream in and stops the request at the first byte over the
per-file or per-request limit, so a client cannot make the server read or store more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse

from sheetflow.common.error_responses import error_response
from sheetflow.common.errors import TooLarge
from sheetflow.common.inputs import InvalidCharacters


class UploadTooLarge(TooLarge):
    """A file or a whole request over the upload limits."""

    code = "request_too_large"


def _mb(value: int) -> str:
    return f"{value / (1024 * 1024):g} MB"


class LimitedUploadHandler(FileUploadHandler):
    """Refuses a request whose body or any one file passes the limits, while it is read."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        content_length = args[2] if len(args) > 2 else kwargs.get("content_length", 0)
        self.total = 0
        self.file_bytes = 0
        if content_length and content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            raise _request_too_large()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        self.file_bytes += len(raw_data)
        if self.file_bytes > settings.UPLOAD_MAX_BYTES:
            raise UploadTooLarge(
                f"{self.file_name}: the file is over the {_mb(settings.UPLOAD_MAX_BYTES)} limit.",
                code="too_large",
            )
        if self.total > settings.UPLOAD_MAX_REQUEST_BYTES:
            raise _request_too_large()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers store the file


def _request_too_large() -> UploadTooLarge:
    return UploadTooLarge(
        f"This upload is over the {_mb(settings.UPLOAD_MAX_REQUEST_BYTES)} limit per request; "
        "send the files in several uploads."
    )


class UploadLimitMiddleware:
    """Reads multipart bodies up front so a refused upload gets a clear 413, page or API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A body without a boundary is not a multipart body at all: left to the view's parser,
        # which answers it (in the API, whatever JSON it holds is checked too).
        if (
            request.method == "POST"
            and request.content_type == "multipart/form-data"
            and (request.content_params or {}).get("boundary")
        ):
            try:
                request.POST  # noqa: B018 (parses the body now, files streamed to disk)
            except (UploadTooLarge, InvalidCharacters) as exc:
                return error_response(request, exc)
        return self.get_response(request)
