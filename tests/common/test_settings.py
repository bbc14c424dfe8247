"""Settings from the environment: a mistyped variable stops the start, naming itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sheetflow.settings import email_settings, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1", True), ("true", True), (" Yes ", True), ("ON", True)],
        *[("0", False), ("false", False), ("No", False), ("off", False)],
    ],
)
def test_env_bool_reads_the_accepted_words(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("SHEETFLOW_FLAG", raw)
    assert env_bool("SHEETFLOW_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_env_bool_unset_or_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, raw: str | None
) -> None:
    monkeypatch.delenv("SHEETFLOW_FLAG", raising=False)
    if raw is not None:
        monkeypatch.setenv("SHEETFLOW_FLAG", raw)
    assert env_bool("SHEETFLOW_FLAG", True) is True
    assert env_bool("SHEETFLOW_FLAG", False) is False


@pytest.mark.parametrize("raw", ["ture", "y", "enabled", "2"])
def test_env_bool_refuses_anything_else_naming_the_variable_and_the_words(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("SHEETFLOW_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("SHEETFLOW_FLAG", False)
    message = str(refused.value)
    assert f"SHEETFLOW_FLAG={raw!r}" in message
    assert "1, true, yes, on, 0, false, no, off" in message


def test_env_int_reads_a_number_and_defaults_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETFLOW_COUNT", " 42 ")
    assert env_int("SHEETFLOW_COUNT", 7) == 42
    monkeypatch.setenv("SHEETFLOW_COUNT", "")
    assert env_int("SHEETFLOW_COUNT", 7) == 7
    monkeypatch.delenv("SHEETFLOW_COUNT")
    assert env_int("SHEETFLOW_COUNT", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "5s", "1.5", "1e3"])
def test_env_int_refuses_a_non_number_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("SHEETFLOW_COUNT", raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_int("SHEETFLOW_COUNT", 7)
    assert f"SHEETFLOW_COUNT={raw!r}" in str(refused.value)
    assert "whole number" in str(refused.value)


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`manage.py check` in a fresh process with these variables on top of a development setup."""
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base.update(DJANGO_SETTINGS_MODULE="sheetflow.settings", DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_mistyped_switch_stops_the_start(tmp_path: Path) -> None:
    refused = _start({"WEBHOOK_ALLOW_HTTP": "ture"}, tmp_path)
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "WEBHOOK_ALLOW_HTTP='ture'" in refused.stderr
    # The same start with a real word is fine: the refusal is about the typo.
    assert _start({"WEBHOOK_ALLOW_HTTP": "true"}, tmp_path).returncode == 0


def test_a_non_number_stops_the_start(tmp_path: Path) -> None:
    refused = _start({"UPLOAD_MAX_PAGES": "2k"}, tmp_path)
    assert refused.returncode != 0
    assert "UPLOAD_MAX_PAGES='2k'" in refused.stderr


def test_email_url_gives_each_email_setting(tmp_path: Path) -> None:
    smtp = email_settings("submission://me%40x.test:p%3Ass@mail.example.com:587")
    assert smtp.backend == "sheetflow.common.mail.EmailBackend"
    assert (smtp.host, smtp.port, smtp.user, smtp.password) == (
        "mail.example.com",
        587,
        "me@x.test",
        "p:ss",
    )
    assert (smtp.use_tls, smtp.use_ssl, smtp.timeout) == (True, False, 10)
    assert email_settings("smtps://mail.example.com").port == 465
    assert email_settings("smtps://mail.example.com").use_ssl is True
    mailbox = email_settings(f"file://{tmp_path}")
    assert mailbox.backend == "django.core.mail.backends.filebased.EmailBackend"
    assert mailbox.file_path == str(tmp_path)
    assert email_settings("locmem://").backend == "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match="'carrier-pigeon'"):
        email_settings("carrier-pigeon://coop")


def test_settings_take_the_email_url_of_the_process(tmp_path: Path) -> None:
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
    )
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base.update(
        DJANGO_SETTINGS_MODULE="sheetflow.settings",
        DATA_DIR=str(tmp_path),
        EMAIL_URL="smtps://relay.example.com:2465",
    )
    shown = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=base, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        "sheetflow.common.mail.EmailBackend",
        "relay.example.com",
        "2465",
        "True",
        "10",
    ]
