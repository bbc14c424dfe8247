"""`sheetflow bench`: run the benchmark sections (in a throwaway database)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the benchmark in a throwaway database and print numbers against baselines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--revisions", type=int, default=50_000)
        parser.add_argument("--requests", type=int, default=60)
        parser.add_argument("sections", nargs="*")

    def handle(self, *args: Any, **options: Any) -> None:
        import bench

        argv = [f"--revisions={options['revisions']}", f"--requests={options['requests']}"]
        bench.main([*argv, *options["sections"]])
