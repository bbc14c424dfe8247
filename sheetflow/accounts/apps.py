from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sheetflow.accounts"
    label = "accounts"

    def ready(self) -> None:
        from sheetflow.accounts import signals  # noqa: F401  (connects the receivers)
