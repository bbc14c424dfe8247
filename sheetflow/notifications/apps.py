from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sheetflow.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Connects the receivers of what other apps report (invitations).
        from sheetflow.notifications import receivers  # noqa: F401
