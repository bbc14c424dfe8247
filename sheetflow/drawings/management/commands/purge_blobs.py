"""`sheetflow purge_blobs`: delete stored files that no row references any more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sheetflow.drawings.blobs import purge_unreferenced


class Command(BaseCommand):
    help = "Delete blobs (rows and bytes) that no revision or pending upload references."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="keep blobs younger than this (a write may not have committed yet)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = purge_unreferenced(grace=timedelta(minutes=options["grace_minutes"]))
        self.stdout.write(f"Deleted {removed} unreferenced blob(s).")
