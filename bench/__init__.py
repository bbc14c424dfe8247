"""The benchmark: `sheetflow bench` (or `python -m bench`).

It runs in a throwaway database (the test database of the configured backend) and a
temporary media folder, so it never touches real data. It is a list of sections; each
prints its own numbers next to a baseline measured in the same run, so numbers from
different machines can be compared as ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import median
from typing import Any


@dataclass
class Options:
    revisions: int = 50_000
    requests: int = 60
    only: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[Options], None]
    description: str = ""


SECTIONS: list[Section] = []


def section(
    name: str, description: str = ""
) -> Callable[[Callable[[Options], None]], Callable[[Options], None]]:
    """Register a benchmark section (in the order they are imported)."""

    def register(func: Callable[[Options], None]) -> Callable[[Options], None]:
        SECTIONS.append(Section(name=name, run=func, description=description))
        return func

    return register


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timings(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"p50 {median(ms):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms   (n={len(ms)})"


def ratio(value: float, baseline: float) -> str:
    return f"x{value / baseline:.2f}" if baseline > 0 else "x-"


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    out: list[float] = []
    start = time.perf_counter()
    yield out
    out.append(time.perf_counter() - start)


def heading(text: str) -> None:
    print(f"\n== {text} ==")


def line(label: str, value: str) -> None:
    print(f"  {label:<46} {value}")


@contextmanager
def throwaway_environment() -> Iterator[None]:
    """A fresh test database and media folder for the run, removed afterwards."""
    from django.db import connection
    from django.test.utils import override_settings

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory(prefix="sheetflow-bench-") as media:
            storages = {
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
            with override_settings(
                MEDIA_ROOT=media, STORAGES=storages, ALLOWED_HOSTS=["*"], DEBUG=False
            ):
                yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _load_sections() -> None:
    # Each app's benchmark module registers its sections on import.
    import importlib
    import pkgutil

    import bench as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"bench.{module.name}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sheetflow bench")
    parser.add_argument("--revisions", type=int, default=50_000, help="project size (revisions)")
    parser.add_argument("--requests", type=int, default=60, help="requests per measurement")
    parser.add_argument("sections", nargs="*", help="run only these sections")
    args = parser.parse_args(argv)
    options = Options(revisions=args.revisions, requests=args.requests, only=args.sections)
    _load_sections()
    chosen = [s for s in SECTIONS if not options.only or s.name in options.only]
    print(f"Sheetflow bench: {', '.join(s.name for s in chosen)}")
    for s in chosen:
        heading(f"{s.name}: {s.description}" if s.description else s.name)
        # Each section builds its own cast and projects, so each gets its own database.
        with throwaway_environment():
            s.run(options)


def run_all(**kwargs: Any) -> None:
    main([f"--{k}={v}" for k, v in kwargs.items()])
