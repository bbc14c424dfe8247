from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sheetflow.notifications"
    label = "notifications"
