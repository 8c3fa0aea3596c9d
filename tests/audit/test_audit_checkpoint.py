"""The audit log anchored outside the database (issue 12, finding 3).

"Deleting the newest 20 entries and moving the chain head back, or deleting an entry
and recomputing the later hashes, leaves `netsafe audit verify` saying "intact"."
A signed checkpoint of the chain head, kept outside the database, catches both.
"""

from __future__ import annotations

import json
import stat

import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.db import transaction
from tests.audit.test_audit_chain import _raw
from typer.testing import CliRunner

from netsafe import platform_cli
from netsafe.audit import checkpoint, record
from netsafe.audit.chain import HASHED_FIELDS, entry_hash
from netsafe.audit.chain import verify as verify_chain
from netsafe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var(tmp_path, settings, monkeypatch):
    """A fresh NETSAFE_VAR (key file and checkpoint file) and no configured key."""
    settings.VAR_DIR = tmp_path
    for name in (
        "NETSAFE_AUDIT_KEY",
        "NETSAFE_AUDIT_CHECKPOINTS",
        "NETSAFE_AUDIT_CHECKPOINT_MINUTES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(checkpoint, "_last_seen", 0.0)
    return tmp_path


def _cli(*args: str):
    app = typer.Typer()
    platform_cli.register(app)
    return CliRunner().invoke(app, list(args))


def _log(n: int) -> list[AuditEntry]:
    return [record("view", detail=f"entry {i}") for i in range(n)]


def test_checkpoint_signs_the_head_with_a_key_file_made_on_first_use(var):
    entries = _log(3)
    result = _cli("audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert f"Checkpoint at entry #{entries[-1].seq}" in result.output
    key_file = var / checkpoint.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (line,) = (var / "audit-checkpoints.jsonl").read_text("utf-8").splitlines()
    written = json.loads(line)
    assert set(written) == {"seq", "hash", "at", "key_id", "signature"}
    assert (written["seq"], written["hash"]) == (entries[-1].seq, entries[-1].hash)
    # The same key next time: the file is read, not replaced.
    before = key_file.read_bytes()
    _log(1)
    assert _cli("audit", "checkpoint").exit_code == 0
    assert key_file.read_bytes() == before
    assert len(checkpoint.read()) == 2
    verified = _cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "2 signed checkpoints match" in verified.output


def test_newest_entries_deleted_and_head_moved_back_after_a_checkpoint_is_caught():
    entries = _log(25)
    checkpoint.take()
    newest_kept = entries[4]
    # As someone with database access would: remove the newest 20 and move the head back.
    _raw("DELETE FROM audit_auditentry WHERE seq > %s", [newest_kept.seq])
    _raw(
        "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1",
        [newest_kept.seq, newest_kept.hash],
    )
    assert verify_chain().ok  # the chain alone is consistent again
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert "AUDIT LOG ALTERED: the log is shorter than the checkpoint of" in result.output
    assert f"entry #{entries[-1].seq})" in result.output
    assert f"it ends at entry #{newest_kept.seq}" in result.output


def test_middle_entry_rewritten_and_every_later_hash_recomputed_is_caught():
    entries = _log(6)
    checkpoint.take()
    target = entries[2].seq
    rows = list(
        AuditEntry.objects.filter(seq__gte=target).order_by("seq").values("id", *HASHED_FIELDS)
    )
    prev = entries[1].hash
    for row in rows:
        if row["seq"] == target:
            row["detail"] = "nothing to see"
        row["prev_hash"] = prev
        prev = entry_hash(row)
        _raw(
            "UPDATE audit_auditentry SET detail = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row["detail"], row["prev_hash"], prev, row["id"]],
        )
    _raw("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [prev])
    assert verify_chain().ok  # every link recomputed: the chain alone cannot tell
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert f"AUDIT LOG ALTERED: entry #{entries[-1].seq} differs from the checkpoint" in (
        result.output
    )


def test_an_edited_checkpoint_line_fails_its_signature(var):
    _log(2)
    checkpoint.take()
    path = var / "audit-checkpoints.jsonl"
    written = json.loads(path.read_text("utf-8"))
    written["seq"] -= 1
    path.write_text(json.dumps(written) + "\n", "utf-8")
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert "audit-checkpoints.jsonl:1: checkpoint of" in result.output
    assert "signature that does not match" in result.output


def test_a_checkpoint_signed_by_another_key_is_refused(var, monkeypatch):
    _log(1)
    checkpoint.take()
    other = Ed25519PrivateKey.generate().private_bytes_raw().hex()
    monkeypatch.setenv("NETSAFE_AUDIT_KEY", other)
    result = _cli("audit", "verify")
    assert result.exit_code == 1
    assert "is signed by key" in result.output


def test_key_from_the_environment_as_hex_or_pem(var, monkeypatch):
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv("NETSAFE_AUDIT_KEY", key.private_bytes_raw().hex())
    assert checkpoint.key_id(checkpoint.signing_key().public_key()) == checkpoint.key_id(
        key.public_key()
    )
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    monkeypatch.setenv("NETSAFE_AUDIT_KEY", pem)
    assert checkpoint.key_id(checkpoint.signing_key().public_key()) == checkpoint.key_id(
        key.public_key()
    )
    assert not (var / checkpoint.KEY_FILE_NAME).exists()
    monkeypatch.setenv("NETSAFE_AUDIT_KEY", "not a key")
    result = _cli("audit", "checkpoint")
    assert result.exit_code == 2
    assert "NETSAFE_AUDIT_KEY: expected an Ed25519 key" in result.output


def test_checkpoint_file_path_is_configurable(tmp_path, monkeypatch):
    elsewhere = tmp_path / "worm" / "anchors.jsonl"
    monkeypatch.setenv("NETSAFE_AUDIT_CHECKPOINTS", str(elsewhere))
    _log(1)
    assert _cli("audit", "checkpoint").exit_code == 0
    assert len(elsewhere.read_text("utf-8").splitlines()) == 1


def test_the_server_checkpoints_after_an_audited_write_at_most_once_per_interval(
    var, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("NETSAFE_AUDIT_CHECKPOINT_MINUTES", "10")
    with django_capture_on_commit_callbacks(execute=True):
        first = record("view", detail="one")
    with django_capture_on_commit_callbacks(execute=True):
        record("view", detail="two")
    (only,) = checkpoint.read()
    assert only.seq == first.seq
    # A rolled-back write leaves no checkpoint: its entry never existed.
    monkeypatch.setattr(checkpoint, "_last_seen", 0.0)
    (var / "audit-checkpoints.jsonl").unlink()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                record("view", detail="rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert not (var / "audit-checkpoints.jsonl").exists()


def test_verify_without_checkpoints_says_how_to_take_one():
    _log(1)
    result = _cli("audit", "verify")
    assert result.exit_code == 0
    assert "run `netsafe audit checkpoint`" in result.output
