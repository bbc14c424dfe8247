"""API: connections."""

from ninja import Router

router = Router(tags=["connections"])
