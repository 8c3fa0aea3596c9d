"""The hash chain: appending an entry under a lock, and verifying the whole log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from .models import GENESIS_HASH, AuditEntry, ChainHead

#: The fields the hash covers, in the order they are written (the order does not
#: matter to the hash, whose JSON has sorted keys, but it documents the format).
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "force",
    "action",
    "model",
    "object_id",
    "object_repr",
    "object_force",
    "changes",
    "detail",
    "reason",
    "actor",
    "prev_hash",
    "recipient",
)
#: Hashed only when not empty, so entries written before the field existed still verify.
OPTIONAL_HASHED_FIELDS = frozenset({"recipient"})


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types, exactly as it will read back from the database."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical_numbers(value: Any) -> Any:
    # PostgreSQL's jsonb may write back an integral float as an integer (1e20 ->
    # 100000000000000000000): hash such numbers as integers on every backend.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical_numbers(v) for k, v in value.items()}
    return value


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's hashed fields."""
    data = {
        name: fields[name]
        for name in HASHED_FIELDS
        if fields[name] or name not in OPTIONAL_HASHED_FIELDS
    }
    data["at"] = _timestamp(data["at"])
    data["changes"] = _canonical_numbers(data["changes"])
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Statements:
    """The append's SQL for one database engine, written once.

    Every audited page runs these. Through the ORM (a query built and compiled for
    each, a model saved with its checks) they took about 1.8 ms of CPU a page on
    PostgreSQL, a sixth of a page's time; as text written once, with each field's own
    conversion for the database, about 0.4 ms. What is stored is the same.
    """

    lock: str
    touch: str
    insert: str
    advance: str


#: The entry's columns in the order of the insert (every stored field but the key).
_INSERTED = tuple(f for f in AuditEntry._meta.concrete_fields if not f.primary_key)
_STATEMENTS: dict[str, _Statements] = {}


def _statements(db: str) -> _Statements:
    connection = connections[db]
    found = _STATEMENTS.get(connection.vendor)
    if found is None:
        qn = connection.ops.quote_name
        head = qn(ChainHead._meta.db_table)
        key = qn(ChainHead._meta.pk.column)
        row = f"SELECT {qn('seq')}, {qn('hash')} FROM {head} WHERE {key} = 1"
        columns = ", ".join(qn(f.column) for f in _INSERTED)
        found = _STATEMENTS[connection.vendor] = _Statements(
            lock=row + (" FOR UPDATE" if connection.features.has_select_for_update else ""),
            touch=f"UPDATE {head} SET {qn('seq')} = {qn('seq')} WHERE {key} = 1",
            insert=(
                f"INSERT INTO {qn(AuditEntry._meta.db_table)} ({columns}) "
                f"VALUES ({', '.join(['%s'] * len(_INSERTED))})"
                + (
                    f" RETURNING {qn(AuditEntry._meta.pk.column)}"
                    if connection.features.can_return_columns_from_insert
                    else ""
                )
            ),
            advance=f"UPDATE {head} SET {qn('seq')} = %s, {qn('hash')} = %s WHERE {key} = 1",
        )
    return found


def _lock_head(db: str) -> tuple[int, str]:
    """Lock the chain head row for this transaction; its ``(seq, hash)`` (created when
    absent)."""
    sql = _statements(db)
    with connections[db].cursor() as cursor:
        if not connections[db].features.has_select_for_update:
            # SQLite has no row locks: a write first takes the database write lock
            # now (waiting out the busy timeout) rather than failing later when a
            # read-then-write transaction tries to upgrade its lock.
            cursor.execute(sql.touch)
        cursor.execute(sql.lock)
        head = cursor.fetchone()
    if head is None:
        # A fresh (or flushed) database: start from the newest entry, if any.
        # Several writers may get here at once; one insert wins, all then lock it.
        last = AuditEntry.objects.using(db).order_by("-seq").values("seq", "hash").first()
        start = ChainHead(
            pk=1, seq=last["seq"] if last else 0, hash=last["hash"] if last else GENESIS_HASH
        )
        ChainHead.objects.using(db).bulk_create([start], ignore_conflicts=True)
        return _lock_head(db)
    return head[0], head[1]


def lock(using: str | None = None) -> None:
    """Take the chain head's lock now, until the current transaction ends.

    Every audited write takes it anyway (in :func:`append`), so audited writes commit
    one after another. Code that must see every record committed before its own
    audited write (such as drawing the next reference number) takes it first: it then
    waits for the writer ahead of it to commit instead of colliding with its insert.
    Must be called inside ``transaction.atomic``.
    """
    db = using or router.db_for_write(AuditEntry)
    if not connections[db].in_atomic_block:
        raise RuntimeError("netsafe.audit.chain.lock() outside a transaction would not hold")
    _lock_head(db)


def append(entry: AuditEntry, using: str | None = None) -> AuditEntry:
    """Give ``entry`` the next sequence number and its hash, and store it."""
    db = using or router.db_for_write(AuditEntry)
    connection = connections[db]
    sql = _statements(db)
    with transaction.atomic(using=db):
        entry.seq, entry.prev_hash = _lock_head(db)
        entry.seq += 1
        entry.at = entry.at or timezone.now()
        entry.changes = json_safe(entry.changes or {})
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        # As Model.save would (AuditEntry.save refuses, so that this is the one way in):
        # each field's own conversion for the database, and the save signals.
        pre_save.send(AuditEntry, instance=entry, raw=False, using=db, update_fields=None)
        values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _INSERTED]
        with connection.cursor() as cursor:
            cursor.execute(sql.insert, values)
            if connection.features.can_return_columns_from_insert:
                entry.pk = cursor.fetchone()[0]
            else:
                meta = AuditEntry._meta
                entry.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
            cursor.execute(sql.advance, [entry.seq, entry.hash])
        entry._state.adding, entry._state.db = False, db
        post_save.send(
            AuditEntry, instance=entry, created=True, raw=False, using=db, update_fields=None
        )
    return entry


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain."""

    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(db: str) -> Iterator[dict[str, Any]]:
    fields = (*HASHED_FIELDS, "hash")
    yield from AuditEntry.objects.using(db).order_by("seq").values(*fields).iterator(2000)


def verify(using: str | None = None) -> Verification:
    """Walk the whole log and report the first entry that is missing, altered or out of chain."""
    db = using or router.db_for_read(AuditEntry)
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    for row in _rows(db):
        seq = row["seq"]
        if seq != expected_seq:
            return Verification(
                checked, expected_seq, f"entry #{expected_seq} is missing (the next is #{seq})"
            )
        if row["prev_hash"] != expected_prev:
            return Verification(
                checked, seq, f"entry #{seq} does not link to entry #{seq - 1} (previous hash)"
            )
        if entry_hash(row) != row["hash"]:
            return Verification(
                checked, seq, f"entry #{seq} was altered: its contents do not match its hash"
            )
        checked += 1
        expected_seq, expected_prev = seq + 1, row["hash"]
    head = ChainHead.objects.using(db).filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        if head.seq >= expected_seq:
            return Verification(
                checked,
                expected_seq,
                f"entry #{expected_seq} is missing: the log ends at #{expected_seq - 1} "
                f"but the chain head is #{head.seq}",
            )
        return Verification(
            checked, head.seq, f"the chain head (#{head.seq}) does not match the newest entry"
        )
    return Verification(checked)
