from tests.connections.conftest import connected, pending, refresh, review_required

__all__ = ["connected", "pending", "refresh", "review_required"]
