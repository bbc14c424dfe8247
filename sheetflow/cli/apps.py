from django.apps import AppConfig


class CliConfig(AppConfig):
    """The process wiring (serve, worker) and the commands that span every app (demo, bench)."""

    name = "sheetflow.cli"
    label = "cli"
