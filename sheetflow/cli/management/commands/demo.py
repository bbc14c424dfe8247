"""`sheetflow demo`: load the demo data (idempotent) and print the sign-ins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sheetflow import demo


class Command(BaseCommand):
    help = "Load demo companies, people, projects and drawings; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        users = demo.load()
        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Sign in at /accounts/sign-in/ with:")
        )
        for u in users:
            role = "company admin" if u.company_admin else "member"
            self.stdout.write(f"  {u.email:<28} {demo.PASSWORD}   {u.name}, {u.company} ({role})")
