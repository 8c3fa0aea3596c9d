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


def test_netsafe_demo_loads_and_prints_how_to_log_in(monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
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

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded: nothing new" in again.output
    assert Warrant.objects.executed().count() == 486


def test_netsafe_demo_refuses_the_default_password_in_production(settings, monkeypatch):
    monkeypatch.delenv("NETSAFE_DEMO_PASSWORD", raising=False)
    settings.PRODUCTION = True
    _register()
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "set NETSAFE_DEMO_PASSWORD" in result.output
    assert not Warrant.objects.exists()
