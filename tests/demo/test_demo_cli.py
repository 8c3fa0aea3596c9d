"""``netsafe demo``: loads everything, then says how to log in."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsafe.accounts.models import User
from netsafe.casework.models import Warrant
from netsafe.cli import _register, app
from netsafe.prevention.models import Contact

pytestmark = [
    pytest.mark.django_db(databases=["default", "prevention"]),
    pytest.mark.xdist_group("demo"),
]


def test_netsafe_demo_loads_and_prints_how_to_log_in(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path / "var"
    settings.NETSAFE_EVIDENCE_ROOT = tmp_path / "evidence"
    _register()
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/accounts/login/" in result.output
    assert "south-wales-officer" in result.output
    assert "operation-lead" in result.output
    assert "Password: netsafe-demo-2016 (the demo default" in result.output
    assert Warrant.objects.executed().count() == 486
    assert Contact.objects.exists()
    # The charity's demo users share the platform's demo password.
    assert User.objects.get(username="helpline-handler").check_password("netsafe-demo-2016")
    # The evidence store is filled, and the output says where and for which devices.
    assert f"Evidence to triage, in {tmp_path / 'evidence'}" in result.output
    assert "south-wales-" in result.output
    assert "http://127.0.0.1:8123/casework/devices/" in result.output
    assert "demo hash set" in result.output
    # Alone, nothing serves the pages yet: the output says how to start the server
    # (and the worker), with the development secret allowed explicitly.
    assert "Nothing is serving these pages yet" in result.output
    assert "NETSAFE_ENV=development netsafe serve --host 127.0.0.1 --port 8123" in result.output
    assert "netsafe triage-worker" in result.output
    assert "Starting the server" not in result.output
    items = sorted(p.name for p in (tmp_path / "evidence").iterdir())

    # `make demo` runs the command with its own arguments and then starts the server and
    # the worker itself: the output says they are starting, not how to start them.
    made = _make_demo_commands()
    demo_args = made[0].split("/netsafe demo ", 1)[1].split()
    assert "serve-with-worker.sh" in made[1]
    again = runner.invoke(app, ["demo", *demo_args])
    assert again.exit_code == 0, again.output
    assert "Starting the server (gunicorn) at http://127.0.0.1:8000/" in again.output
    assert "Ctrl-C stops both" in again.output
    assert "Nothing is serving" not in again.output
    assert "netsafe serve" not in again.output
    assert "already loaded: nothing new" in again.output
    assert "Demo evidence written" not in again.output
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == items
    assert Warrant.objects.executed().count() == 486


def _make_demo_commands() -> list[str]:
    """The commands `make demo` runs after installing: `netsafe demo ...`, then the server."""
    root = Path(__file__).resolve().parents[2]
    printed = subprocess.run(
        ["make", "-n", "-W", ".venv/.installed", "demo", "HOST=127.0.0.1", "PORT=8000"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    start = next(i for i, line in enumerate(printed) if "/netsafe demo " in line)
    return printed[start:]


def test_netsafe_demo_refuses_the_default_password_in_production(settings, monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
    settings.PRODUCTION = True
    _register()
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "set NETSAFE_DEMO_PASSWORD" in result.output
    assert not Warrant.objects.exists()
