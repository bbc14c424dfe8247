from django.apps import AppConfig


class DrawingsConfig(AppConfig):
    name = "sheetflow.drawings"
    label = "drawings"
