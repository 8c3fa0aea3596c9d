"""The audit log is append-only and its hash chain shows any alteration."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from tests.factories import make_user

from netsafe.audit import chain, record, verify
from netsafe.audit.context import audit_context
from netsafe.audit.models import AuditEntry, AuditLogImmutable, ChainHead

pytestmark = pytest.mark.django_db


def _log(n: int) -> list[AuditEntry]:
    officer = make_user("chain-officer", "gwent", "officer")
    with audit_context(user=officer, reason="test"):
        return [record("view", officer, detail=f"look {i}") for i in range(n)]


def _raw(sql: str, params=()) -> None:
    """Run SQL as the database owner would, past the model and (on PostgreSQL) the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def test_entries_are_numbered_and_linked():
    entries = _log(3)
    start = entries[0].seq
    assert [e.seq for e in entries] == [start, start + 1, start + 2]
    assert ChainHead.objects.get(pk=1).seq == start + 2
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert len({e.hash for e in entries}) == 3
    result = verify()
    assert result.ok, result.problem
    assert result.checked == AuditEntry.objects.count()


def test_entry_records_user_force_object_and_reason():
    entry = _log(1)[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.username == "chain-officer"
    assert stored.force == "gwent"
    assert stored.object_force == "gwent"
    assert stored.model == "accounts.user"
    assert stored.object_id == str(stored.user_id)
    assert stored.reason == "test"
    assert stored.action == "view"


def test_the_entry_returned_is_the_row_stored():
    # The chain writes its rows with prepared SQL, not Model.save: the entry handed back
    # must be the row, key included, and a saved entry (not one still to add).
    entries = _log(2)
    for entry in entries:
        stored = AuditEntry.objects.get(pk=entry.pk)
        for field in AuditEntry._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(entry, field.attname), field.name
        assert not entry._state.adding
    assert entries[1].pk > entries[0].pk


def test_entries_are_stored_by_the_chain_only():
    # A new entry saved directly would skip the chain head's lock and its hash.
    entry = AuditEntry(action="view", reason="test")
    with pytest.raises(AuditLogImmutable, match=r"chain\.append"):
        entry.save()
    assert not AuditEntry.objects.exists()
    stored = chain.append(entry)
    assert (
        AuditEntry.objects.get().hash
        == stored.hash
        == chain.entry_hash({name: getattr(stored, name) for name in chain.HASHED_FIELDS})
    )


def test_model_refuses_updates_and_deletes():
    entry = _log(1)[0]
    entry.reason = "rewritten"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "test"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_trigger_refuses_raw_update_and_delete():
    from django.db.utils import DatabaseError

    entry = _log(1)[0]
    for sql in (
        "UPDATE audit_auditentry SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, reason="test").exists()


def test_verify_names_the_first_altered_entry():
    entries = _log(5)
    _raw("UPDATE audit_auditentry SET username = 'someone-else' WHERE id = %s", [entries[2].pk])
    _raw("UPDATE audit_auditentry SET reason = 'covered up' WHERE id = %s", [entries[3].pk])
    result = verify()
    assert not result.ok
    assert result.broken_at == entries[2].seq
    assert f"#{entries[2].seq} was altered" in result.problem


def test_verify_finds_a_deleted_entry():
    entries = _log(4)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    result = verify()
    assert result.broken_at == entries[1].seq
    assert f"entry #{entries[1].seq} is missing" in result.problem


def test_verify_finds_the_newest_entry_deleted():
    entries = _log(3)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    result = verify()
    assert result.broken_at == entries[-1].seq
    assert "chain head" in result.problem


def test_verify_finds_a_rewritten_link():
    entries = _log(3)
    # Recomputing an entry's own hash is not enough: the next entry still links to the old one.
    from netsafe.audit.chain import HASHED_FIELDS, entry_hash

    fields = {f: getattr(entries[1], f) for f in HASHED_FIELDS} | {"reason": "forged"}
    _raw(
        "UPDATE audit_auditentry SET reason = %s, hash = %s WHERE id = %s",
        ["forged", entry_hash(fields), entries[1].pk],
    )
    result = verify()
    assert result.broken_at == entries[2].seq
    assert "does not link" in result.problem


def test_chain_continues_after_the_head_row_is_lost():
    entries = _log(2)
    ChainHead.objects.all().delete()
    more = record("view", detail="after")
    assert more.seq == entries[-1].seq + 1
    assert more.prev_hash == entries[-1].hash
    assert verify().ok


def test_changes_round_trip_through_the_database_unchanged():
    import datetime
    import decimal

    changes = {
        "born": [None, datetime.date(1980, 2, 29)],
        "amount": [decimal.Decimal("1.50"), 2.25],
        "name": ["Ann", "Añn ✓"],
        "numbers": [1e20, 1.5e-7],
        "nested": [None, {"b": [1, 2.0], "a": None}],
    }
    record("update", changes=changes)
    assert verify().ok


def test_a_disclosure_names_its_recipient_and_the_recipient_is_hashed():
    officer = make_user("discloser", "gwent", "officer")
    with audit_context(user=officer):
        entry = record("disclose", officer, recipient="CPS Wales", reason="charging file for court")
    assert AuditEntry.objects.get(pk=entry.pk).recipient == "CPS Wales"
    assert verify().ok
    _raw("UPDATE audit_auditentry SET recipient = 'a journalist' WHERE id = %s", [entry.pk])
    assert verify().broken_at == entry.seq
