from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "sheetflow.connections"
    label = "connections"
