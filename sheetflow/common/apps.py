from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sheetflow.common"
    label = "common"
