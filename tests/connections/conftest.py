"""Helpers for connection tests: approval settings and quick requests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sheetflow.connections.models import ApprovalMode, Connection
from sheetflow.connections.services import company_setting_update, connection_request
from tests.cast import Cast


@pytest.fixture
def review_required(cast: Cast) -> None:
    """The contractor (upstream) reviews requests instead of auto-approving them."""
    company_setting_update(user=cast.gc_admin, company=cast.gc, approval_mode=ApprovalMode.REVIEW)


@pytest.fixture
def pending(cast: Cast, review_required: None) -> Connection:
    """The subcontractor's project has asked to connect to the contractor's."""
    return connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )


@pytest.fixture
def connected(cast: Cast) -> Connection:
    """The subcontractor's project is connected (auto-approved) to the contractor's."""
    return connection_request(
        user=cast.sub_pm, downstream=cast.sub_project, upstream=cast.gc_project
    )


@pytest.fixture
def refresh() -> Callable[[Connection], Connection]:
    def get(connection: Connection) -> Connection:
        return Connection.objects.get(pk=connection.pk)

    return get
