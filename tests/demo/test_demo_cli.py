"""``netsafe demo``: loads everything, then says how to log in."""

from __future__ import annotations

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
    items = sorted(p.name for p in (tmp_path / "evidence").iterdir())

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded: nothing new" in again.output
    assert "Demo evidence written" not in again.output
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == items
    assert Warrant.objects.executed().count() == 486


def test_netsafe_demo_refuses_the_default_password_in_production(settings, monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
    settings.PRODUCTION = True
    _register()
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "set NETSAFE_DEMO_PASSWORD" in result.output
    assert not Warrant.objects.exists()
