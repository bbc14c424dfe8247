from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sheetflow.accounts"
    label = "accounts"
