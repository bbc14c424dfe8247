"""`sheetflow token`: create a personal API token for a user and print it once."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sheetflow.accounts.models import User
from sheetflow.accounts.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token and print its secret (shown only this once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="command line")

    def handle(self, *args: Any, email: str, name: str, **_: Any) -> None:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email {email}.")
        secret = token_create(user=user, name=name)[1]
        self.stdout.write(secret)
