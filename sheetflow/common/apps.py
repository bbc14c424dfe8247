from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sheetflow.common"
    label = "common"

    def ready(self) -> None:
        # Every enqueue, from any process, notifies the workers (see tasks_wake).
        from sheetflow.common import tasks_wake  # noqa: F401
