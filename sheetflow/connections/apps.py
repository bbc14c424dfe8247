from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "sheetflow.connections"
    label = "connections"

    def ready(self) -> None:
        # Connects the sync engine's receiver of upstream changes.
        from sheetflow.connections.engine import wakeups  # noqa: F401
