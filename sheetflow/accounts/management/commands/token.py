"""`sheetflow token`: create a personal API token for a user and print it once."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sheetflow.accounts.models import User
from sheetflow.accounts.services import DEFAULT_TOKEN_DAYS, token_create
from sheetflow.common.errors import ServiceError


class Command(BaseCommand):
    help = "Create a personal API token and print its secret (shown only this once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="command line")
        parser.add_argument("--scope", choices=["read", "full"], default="full")
        parser.add_argument(
            "--expires-days", default=str(DEFAULT_TOKEN_DAYS), help="Days, or 'never'"
        )

    def handle(
        self, *args: Any, email: str, name: str, scope: str, expires_days: str, **_: Any
    ) -> None:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email {email}.")
        try:
            days = None if expires_days == "never" else int(expires_days)
            secret = token_create(user=user, name=name, scope=scope, expires_in_days=days)[1]
        except (ValueError, ServiceError) as exc:
            raise CommandError(getattr(exc, "detail", str(exc))) from exc
        self.stdout.write(secret)
