"""Fixtures shared by every test: the cast, API clients, a task drain, isolated media."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sheetflow.accounts.models import User
from sheetflow.accounts.services import token_create
from tests.blobstore import blob_store, s3_bucket, s3_endpoint
from tests.cast import Cast, build_cast
from tests.queue import run_queued_tasks


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


class Api:
    """A JSON client for /api/v1 acting as one user through a bearer token."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, secret = token_create(user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {secret}"

    def _call(self, method: str, path: str, data: Any = None, **kw: Any) -> Any:
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        func = getattr(self.client, method)
        if data is not None and "content_type" not in kw and method != "get":
            kw["content_type"] = "application/json"
        return func(url, data, headers=self.headers, **kw)

    def get(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("get", path, data, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data if data is not None else {}, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data if data is not None else {}, **kw)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("put", path, data if data is not None else {}, **kw)

    def delete(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("delete", path, data, **kw)


@pytest.fixture
def api_as() -> Callable[[User | None], Api]:
    return Api


@pytest.fixture
def page_as(client: Client) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return login


@pytest.fixture
def drain_tasks() -> Callable[..., int]:
    """Run queued tasks in this process, as the worker does, until none is ready."""
    return run_queued_tasks


__all__ = ["blob_store", "s3_bucket", "s3_endpoint"]
