"""Dependencies between the apps point one way: common ← accounts ← projects ← drawings ←
connections, with notifications beside drawings and webhooks above connections.

Read from the source with `ast` (imports inside functions count too: they are still
dependencies). The wiring modules (cli, testing, demo, urls, settings, wsgi) and the bench may
import every app; no app imports them, and nothing packaged imports the test suite.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sheetflow"

# Each app and the apps it may import (itself always).
MAY_IMPORT: dict[str, set[str]] = {
    "common": set(),
    "accounts": {"common"},
    "projects": {"common", "accounts"},
    "drawings": {"common", "accounts", "projects"},
    "notifications": {"common", "accounts", "projects"},
    "connections": {"common", "accounts", "projects", "drawings", "notifications"},
    "webhooks": {"common", "accounts", "projects", "drawings", "notifications", "connections"},
}
WIRING = {"cli", "testing", "demo", "urls", "settings", "wsgi"}

# Imports against the direction that are still there, each with why and what removes it. The
# test fails when one disappears too, so that this list only ever shrinks.
KNOWN: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, source: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in one file, relative ones resolved."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from sheetflow import demo` names a module, not only the package.
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def part_of(module: str) -> str | None:
    """The app or wiring module a `sheetflow.…` module belongs to."""
    parts = module.split(".")
    if parts[0] != "sheetflow" or len(parts) < 2:
        return None
    return parts[1]


def violations(path: Path, source: str) -> set[tuple[str, str, str]]:
    """(file, imported app or module, line) of each import against the direction."""
    rel = path.relative_to(ROOT).as_posix()
    owner = part_of(module_name(path))
    if owner not in MAY_IMPORT:
        return set()
    allowed = MAY_IMPORT[owner] | {owner}
    bad = set()
    for line, module in imported(path, source):
        target = part_of(module)
        refused = (
            target is not None
            and target not in allowed
            and (target in MAY_IMPORT or target in WIRING)
        )
        if refused or module.split(".")[0] in {"bench", "tests"}:
            bad.add((rel, target or module.split(".")[0], str(line)))
    return bad


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def all_violations() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for path in sources(PACKAGE):
        found |= violations(path, path.read_text())
    return found


def test_every_app_has_its_place_in_the_direction() -> None:
    apps = {p.parent.name for p in PACKAGE.glob("*/apps.py")}
    assert apps - WIRING == set(MAY_IMPORT)


def test_apps_import_only_the_apps_below_them() -> None:
    unexpected = sorted(v for v in all_violations() if (v[0], v[1]) not in KNOWN)
    assert unexpected == [], "imports against the direction (file, app, line)"


def test_the_known_exceptions_are_still_there() -> None:
    """Once one is fixed, delete it from KNOWN so that it cannot come back."""
    present = {(file, target) for file, target, _ in all_violations()}
    assert sorted(set(KNOWN) - present) == []


def test_common_imports_no_app() -> None:
    """Nothing in common names an app, but for what KNOWN still lists (then only delete it)."""
    in_common = {(file, target) for file, target, _ in all_violations() if "/common/" in file}
    assert in_common <= {known for known in KNOWN if "/common/" in known[0]}


def test_nothing_packaged_imports_the_test_suite() -> None:
    suite = [
        (path.relative_to(ROOT).as_posix(), line)
        for folder in (PACKAGE, ROOT / "bench")
        for path in sources(folder)
        for line, module in imported(path, path.read_text())
        if module.split(".")[0] == "tests"
    ]
    assert suite == []


@pytest.mark.parametrize(
    ("file", "source", "target"),
    [
        ("sheetflow/common/x.py", "from sheetflow.accounts.models import User", "accounts"),
        ("sheetflow/common/x.py", "def f():\n    import sheetflow.projects.models", "projects"),
        ("sheetflow/accounts/x.py", "from sheetflow import demo", "demo"),
        ("sheetflow/projects/x.py", "from sheetflow.drawings import services", "drawings"),
        ("sheetflow/drawings/x.py", "from ..connections import rules", "connections"),
        ("sheetflow/drawings/x.py", "from sheetflow.testing.cast import build_cast", "testing"),
        ("sheetflow/connections/x.py", "from sheetflow.webhooks import hooks", "webhooks"),
        ("sheetflow/notifications/x.py", "import sheetflow.drawings.models", "drawings"),
        ("sheetflow/webhooks/x.py", "from tests.cast import Cast", "tests"),
        ("sheetflow/drawings/x.py", "import bench", "bench"),
    ],
)
def test_an_import_against_the_direction_is_caught(file: str, source: str, target: str) -> None:
    assert {t for _, t, _ in violations(ROOT / file, source)} == {target}


@pytest.mark.parametrize(
    ("file", "source"),
    [
        ("sheetflow/connections/x.py", "from sheetflow.drawings.models import Revision"),
        ("sheetflow/connections/x.py", "from . import rules\nfrom .engine import runner"),
        ("sheetflow/webhooks/x.py", "from sheetflow.connections.models import Connection"),
        ("sheetflow/common/x.py", "from sheetflow.common import errors\nimport django"),
        ("sheetflow/cli/x.py", "from sheetflow import demo\nimport sheetflow.webhooks"),
    ],
)
def test_an_import_along_the_direction_passes(file: str, source: str) -> None:
    assert violations(ROOT / file, source) == set()
