"""An import inside a function hides a dependency (and often a cycle), so the project's own
modules are imported at the top of a module, except where the reason is one of these:

- a tasks module imports what it runs inside each task, because the modules that queue its
  tasks import it;
- ``drawings/pdfjobs.py`` imports ``pdf`` (pypdfium2) only in the child processes;
- an ``AppConfig.ready`` imports the module that connects its receivers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_FILES = {"tasks.py", "apps.py"}
ALLOWED_PATHS = {"sheetflow/drawings/pdfjobs.py"}


def deferred(source: str) -> list[tuple[int, str]]:
    """(line, module) of each import of the project's code inside a function."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (
                inner.level or (inner.module or "").startswith("sheetflow")
            ):
                found.add((inner.lineno, inner.module or "."))
            elif isinstance(inner, ast.Import):
                found |= {
                    (inner.lineno, a.name) for a in inner.names if a.name.startswith("sheetflow")
                }
    return sorted(found)


def test_the_project_imports_its_own_modules_at_the_top() -> None:
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{line} {module}"
        for path in sorted((ROOT / "sheetflow").rglob("*.py"))
        if "migrations" not in path.parts
        and path.name not in ALLOWED_FILES
        and path.relative_to(ROOT).as_posix() not in ALLOWED_PATHS
        for line, module in deferred(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from sheetflow.drawings import tasks\n", [(2, "sheetflow.drawings")]),
        ("def f():\n    import sheetflow.drawings.pdf\n", [(2, "sheetflow.drawings.pdf")]),
        ("class A:\n    def f(self):\n        from . import x\n", [(3, ".")]),
        ("from sheetflow.drawings import tasks\n", []),
        ("def f():\n    import json\n", []),
    ],
)
def test_a_deferred_import_is_found(source: str, expected: list[tuple[int, str]]) -> None:
    assert deferred(source) == expected
