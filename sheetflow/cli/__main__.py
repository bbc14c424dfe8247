"""`python -m sheetflow.cli`: the same as the `sheetflow` command (serve starts workers so)."""

from sheetflow.cli import main

main()
