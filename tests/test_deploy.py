"""deploy/: the units run commands that exist, and every setting is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTINGS = ROOT / "src" / "netsafe" / "web" / "settings.py"
UNITS = sorted(DEPLOY.glob("*.service"))


def _exec_start(unit: Path) -> list[str]:
    text = unit.read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    return line.removeprefix("ExecStart=").split()


def test_there_is_a_unit_for_each_service():
    assert {u.stem for u in UNITS} == {
        "netsafe-web",
        "netsafe-triage-worker",
        "netsafe-dask-scheduler",
        "netsafe-dask-worker",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_each_unit_has_its_sections_and_restarts(unit):
    text = unit.read_text()
    for section in ("[Unit]", "[Service]", "[Install]"):
        assert section in text
    assert "Restart=on-failure" in text
    assert "User=netsafe" in text


@pytest.mark.parametrize(
    "unit", [u for u in UNITS if "/netsafe " in " ".join(_exec_start(u))], ids=lambda u: u.stem
)
def test_the_netsafe_units_use_real_commands_and_options(unit):
    argv = _exec_start(unit)
    command = argv[1]
    options = [a for a in argv[2:] if a.startswith("--")]
    result = subprocess.run(
        [sys.executable, "-m", "netsafe.cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout, f"{unit.name}: netsafe {command} has no {option}"


def _settings_variables() -> set[str]:
    # Every variable name the settings quote whole: os.environ.get("NETSAFE_X", ...) and
    # helpers such as _whole_number("NETSAFE_X", ...).
    return set(re.findall(r'\(\s*"(NETSAFE_[A-Z_]+)"', SETTINGS.read_text()))


def test_every_variable_the_settings_read_is_in_the_readme_table():
    table = set(re.findall(r"^\| `(NETSAFE_[A-Z_]+)`", (ROOT / "README.md").read_text(), re.M))
    assert _settings_variables() - table == set()


def test_the_example_environment_sets_only_variables_that_something_reads():
    example = (DEPLOY / "netsafe.env.example").read_text()
    given = set(re.findall(r"^#?(NETSAFE_[A-Z_]+|[A-Z_]*DATABASE_URL)=", example, re.M))
    units = " ".join(u.read_text() for u in UNITS)
    read_elsewhere = {"NETSAFE_INDEX_CACHE"}  # read by the triage library, not the settings
    known = _settings_variables() | read_elsewhere | {"DATABASE_URL", "PREVENTION_DATABASE_URL"}
    unread = {v for v in given if v not in known and f"${{{v}}}" not in units}
    assert unread == set()
