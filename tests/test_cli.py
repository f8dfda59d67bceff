"""The command-line contract: every command has --help, and errors map to documented exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from burnrate.cli import COMMANDS
from tests.conftest import ROOT

BURNRATE = [sys.executable, "-m", "burnrate"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BURNRATE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: burnrate" in result.stdout


def test_unbuilt_commands_say_so_with_exit_code_3():
    from burnrate.cli import cli

    stubs = [name for name, target in COMMANDS.items() if target.startswith("burnrate.stubs:")]
    for name in stubs:
        result = run(name)
        assert result.returncode == 3, (name, result.stderr)
        assert "not built yet" in result.stderr
    assert cli.name == "cli"


def test_config_errors_exit_2_with_one_line():
    result = run("config", "show", env={"BURNRATE_HTTP_TIMEOUT_SECONDS": "forever"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "burnrate: error: $BURNRATE_HTTP_TIMEOUT_SECONDS: http.timeout_seconds must be a float, got 'forever'"
    ]


def test_config_show_never_prints_secret_values():
    result = run("config", "show", env={"HELICONE_API_KEY": "sk-helicone-FAKE-0123456789"})
    assert result.returncode == 0, result.stderr
    assert "HELICONE_API_KEY" in result.stdout
    assert "FAKE-0123456789" not in result.stdout + result.stderr
