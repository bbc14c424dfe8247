"""API: drawings."""

from ninja import Router

router = Router(tags=["drawings"])
