"""The one ``netsafe`` command: every command answers --help, whichever area it lives in."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netsafe.cli import _AREAS

COMMANDS = ["serve", *_AREAS]


def netsafe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "netsafe.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_every_command():
    result = netsafe("--help")
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert f" {command} " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command):
    result = netsafe(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: netsafe {command}" in " ".join(result.stdout.split())


def test_an_unknown_command_is_a_clear_error():
    result = netsafe("frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr
