"""``netsafe audit verify`` and ``netsafe createuser`` from the command line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from django.db import connection
from tests.audit.test_audit_chain import _raw
from typer.testing import CliRunner

from netsafe import platform_cli
from netsafe.audit import record

pytestmark = pytest.mark.django_db


def _app() -> typer.Typer:
    app = typer.Typer()
    platform_cli.register(app)
    return app


def test_verify_reports_an_intact_log():
    for i in range(3):
        record("view", detail=f"entry {i}")
    result = CliRunner().invoke(_app(), ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit log intact" in result.output


def test_verify_names_the_first_altered_entry_and_fails():
    entries = [record("view", detail=f"entry {i}") for i in range(4)]
    _raw("UPDATE audit_auditentry SET detail = 'nothing to see' WHERE id = %s", [entries[1].pk])
    result = CliRunner().invoke(_app(), ["audit", "verify"])
    assert result.exit_code == 1
    assert f"AUDIT LOG ALTERED: entry #{entries[1].seq} was altered" in result.output


def test_verify_fails_when_an_entry_was_deleted():
    entries = [record("view", detail=f"entry {i}") for i in range(3)]
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])
    result = CliRunner().invoke(_app(), ["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry #{entries[0].seq} is missing" in result.output


NETSAFE = Path(sys.executable).with_name("netsafe")


def _netsafe(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "NETSAFE_AXES"}}
    env |= {"NETSAFE_VAR": str(tmp_path), "NETSAFE_ENV": "development"}
    return subprocess.run(
        [str(NETSAFE), *args], input=stdin, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs the real command on SQLite")
@pytest.mark.slow
def test_createuser_then_tampering_is_caught_by_the_real_command(tmp_path):
    created = _netsafe(
        tmp_path,
        *("createuser", "gw-sup", "--force", "gwent", "--role", "supervisor"),
        *("--role", "officer", "--password-stdin"),
        stdin="a-long-enough-passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created gw-sup (Gwent Police; roles: officer, supervisor)" in created.stdout
    refused = _netsafe(
        tmp_path,
        *("createuser", "x", "--force", "kent", "--role", "officer", "--password-stdin"),
        stdin="a-long-enough-passphrase\n",
    )
    assert refused.returncode == 2
    assert "no force 'kent'" in refused.stderr
    assert _netsafe(tmp_path, "audit", "verify").returncode == 0
    with sqlite3.connect(tmp_path / "netsafe.sqlite3") as db:
        first = db.execute("SELECT seq FROM audit_auditentry ORDER BY seq LIMIT 1").fetchone()[0]
        db.execute("UPDATE audit_auditentry SET username = 'nobody' WHERE seq = ?", (first,))
    broken = _netsafe(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert f"entry #{first} was altered" in broken.stderr
