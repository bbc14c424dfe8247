"""Periodic upkeep of accounts: forget sign-in failures nobody has repeated for a while."""

from __future__ import annotations

from sheetflow.accounts.throttle import forget_old
from sheetflow.common.periodic import every

every(3600)(forget_old)
