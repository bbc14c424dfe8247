"""`sheetflow createuser`: create a user, creating their company if needed."""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
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
        parser.add_argument("--password", help="Prompted for when omitted")

    def handle(self, *args: Any, **o: Any) -> None:
        password = o["password"] or getpass.getpass("Password: ")
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
