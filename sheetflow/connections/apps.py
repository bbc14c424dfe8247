from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "sheetflow.connections"
    label = "connections"

    def ready(self) -> None:
        # Connects the sync engine's receiver of upstream changes (it queues the sync tasks).
        from sheetflow.connections import tasks  # noqa: F401
