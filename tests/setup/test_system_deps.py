"""scripts/system-deps installs exactly the missing Debian packages, or nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-deps"


def fake_bin(tmp_path: Path, *, present: set[str], root: bool = True) -> Path:
    """A PATH holding only what the script may use, a recording apt-get and the chosen tools."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("grep", "cat"):
        real = shutil.which(tool)
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    log = tmp_path / "apt.log"

    def script(name: str, body: str) -> None:
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)

    script("apt-get", f'echo "$*" >> {log}')
    script("id", f"echo {0 if root else 1000}")
    if "chromium" in present:
        script("chromium", "exit 0")
    if "tesseract" in present:
        script("tesseract", 'echo "List of available languages (2):"; echo eng; echo osd')
    if "tesseract-no-eng" in present:
        script("tesseract", 'echo "List of available languages (1):"; echo osd')
    return bin_dir


def run(tmp_path: Path, target: str, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    bash = shutil.which("bash")
    assert bash
    return subprocess.run(
        [bash, str(SCRIPT), target], env=env, capture_output=True, text=True, timeout=30
    )


def apt_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


def test_it_calls_nothing_when_everything_is_present(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, present={"chromium", "tesseract"})
    result = run(tmp_path, "test", bin_dir)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == []


def test_it_installs_only_the_missing_browser_for_the_tests(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, present={"tesseract"})
    result = run(tmp_path, "test", bin_dir)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == ["update -qq", "install -y -qq chromium"]


def test_it_installs_tesseract_and_its_english_data_when_missing(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, present={"chromium", "tesseract-no-eng"})
    result = run(tmp_path, "test", bin_dir)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == [
        "update -qq",
        "install -y -qq tesseract-ocr tesseract-ocr-eng",
    ]


def test_the_service_needs_no_browser(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, present={"tesseract"})
    result = run(tmp_path, "run", bin_dir)
    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == []


def test_without_root_it_stops_with_the_command_to_run(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, present=set(), root=False)
    result = run(tmp_path, "test", bin_dir)
    assert result.returncode == 1
    assert apt_calls(tmp_path) == []
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Missing system packages; run: sudo apt-get update && "
        "sudo apt-get install -y tesseract-ocr tesseract-ocr-eng chromium"
    ]
