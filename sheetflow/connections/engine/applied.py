"""What a sync window reports to the rest of the system once it has applied its copies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class NewCopies:
    """The new revision copies one window made in one downstream project."""

    connection_id: int
    downstream_id: int
    seq: int  # the downstream change number every row of the window carries
    now: dt.datetime  # the window's time (``created_at`` of its new copies)
    total: int  # how many revision copies the window created there
    revision_ids: list[int]  # the first of them by id, at most ``notices.LISTED``
