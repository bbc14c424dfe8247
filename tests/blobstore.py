"""The blob store under test: the local folder, or a real S3-protocol server on the loopback.

The S3 server is moto's threaded server (the S3 wire protocol over HTTP on 127.0.0.1, a free
port), started once per test session and only when a test asks for it; each test gets a bucket
of its own, configured exactly as production configures S3 (``settings.s3_storage``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sheetflow.settings import s3_storage

REGION = "us-east-1"
KEY = SECRET = "sheetflow-tests"  # the local server accepts any key; these reach nothing else


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-protocol server for the whole session, on 127.0.0.1 and a free port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


class Bucket:
    """The test's bucket, read through the S3 protocol (not through the code under test)."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.client = _client(endpoint)
        self.name = name

    def object_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())


@pytest.fixture
def s3_bucket(settings: Any, s3_endpoint: str) -> Iterator[Bucket]:
    """Point the blob store at a fresh bucket on the test S3 server."""
    bucket = Bucket(s3_endpoint, f"sheetflow-{uuid.uuid4().hex[:16]}")
    bucket.client.create_bucket(Bucket=bucket.name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket.name, endpoint_url=s3_endpoint, access_key=KEY, secret_key=SECRET, region=REGION
        ),
    }
    try:
        yield bucket
    finally:
        for key in bucket.object_keys():
            bucket.client.delete_object(Bucket=bucket.name, Key=key)
        bucket.client.delete_bucket(Bucket=bucket.name)


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest) -> str:
    """Run the test once with the local folder and once with the S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    return str(request.param)
