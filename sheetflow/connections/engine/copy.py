"""The window of one connection as ``notices.new_copy_ids`` still names it.

The window SQL lives in ``sheetflow.drawings.services.replicas`` and works on groups; this
type remains only for that function's signature until it goes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """One window of upstream changes for one connection."""

    upstream_id: int
    downstream_id: int
    lo: int
    hi: int
    seq: int  # the downstream change_seq given to every row this window writes
    now: dt.datetime
    company_name: str
    project_name: str
