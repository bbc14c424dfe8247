"""`sheetflow createuser`: create a user, creating their company if needed."""

from __future__ import annotations

import getpass
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sheetflow.accounts.models import Company
from sheetflow.accounts.services import company_create, user_create
from sheetflow.common.errors import ServiceError


class Command(BaseCommand):
    help = "Create a user of a company (the company is created if it does not exist)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="Full name")
        parser.add_argument("--company", required=True, help="Company name")
        parser.add_argument("--company-admin", action="store_true")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--password", help="Prompted for (on a terminal) when omitted")
        secret.add_argument("--password-file", help="Read the password from this file")

    def _password(self, o: dict[str, Any]) -> str:
        if o["password"] is not None:
            return str(o["password"])
        if o["password_file"]:
            try:
                return Path(o["password_file"]).read_text().rstrip("\r\n")
            except OSError as exc:
                raise CommandError(f"Cannot read the password file: {exc}") from exc
        if not sys.stdin.isatty():
            raise CommandError(
                "No terminal to ask for a password: pass --password or --password-file."
            )
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("The passwords do not match.")
        return first

    def handle(self, *args: Any, **o: Any) -> None:
        password = self._password(o)
        try:
            company = Company.objects.filter(name=o["company"]).first() or company_create(
                name=o["company"]
            )
            user = user_create(
                email=o["email"],
                full_name=o["name"],
                company=company,
                password=password,
                is_company_admin=o["company_admin"],
            )
        except ServiceError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user}"))
