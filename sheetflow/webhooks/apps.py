from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "sheetflow.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        # Connects the receivers of connection transitions and downstream publishes.
        from sheetflow.webhooks import receivers  # noqa: F401
