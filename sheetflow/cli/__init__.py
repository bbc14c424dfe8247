"""The `sheetflow` command: serve, worker, migrate, demo, bench, createuser, token.

Every sub-command is a Django management command; anything else is passed to Django
(`sheetflow shell`, `sheetflow makemigrations` …).
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: sheetflow <command> [options]

  serve        migrate, then serve the web app (gunicorn) with a task worker beside it
  worker       run a task worker (sync engine, thumbnails, emails) and the periodic sweep
  migrate      apply database migrations
  demo         load idempotent demo data and print the sign-ins
  bench        run the benchmark and print ratios against its baselines
  createuser   create a user (and, with --company-admin, a company admin)
  token        create a personal API token for a user

Any other Django management command works too. `sheetflow <command> --help` for options."""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sheetflow.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sheetflow", *args])
