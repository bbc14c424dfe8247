from django.apps import AppConfig


class DrawingsConfig(AppConfig):
    name = "sheetflow.drawings"
    label = "drawings"

    def ready(self) -> None:
        from sheetflow.drawings import receivers  # noqa: F401
