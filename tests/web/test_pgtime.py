"""PostgreSQL timestamps are read by ``fromisoformat`` and come out as Django's own loader
gives them, whatever PostgreSQL writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from netsafe.audit import record
from netsafe.audit.models import AuditEntry
from netsafe.web import pgtime

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]

TEXTS = [
    b"2026-12-03 18:46:44.617816+00",
    b"2026-12-03 18:46:44+00",
    b"0999-06-01 00:00:00+00",
    b"2017-03-26 01:30:00.5+01",  # a session not in UTC writes its own offset
    b"2017-03-26 01:30:00+05:30",
    b"0044-03-15 12:00:00+00 BC",
    b"infinity",
    b"-infinity",
    b"not a time",
]


def _loaders():
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = types["timestamptz"].oid
    ours = adapters.get_loader(oid, Format.TEXT)
    django = next(c for c in ours.__mro__ if c.__name__ == "SpecificTzLoader")
    return ours(oid, connection.connection), django(oid, connection.connection)


def _outcome(loader, text):
    try:
        value = loader.load(text)
    except Exception as exc:  # the same error, or none, from both
        return type(exc).__name__
    return value, value.tzinfo


def test_the_connection_reads_timestamps_with_fromisoformat():
    ours, _ = _loaders()
    assert isinstance(ours, pgtime._FromIsoFormat)
    entry = record("view", detail="a time")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.at == entry.at
    assert stored.at.tzinfo is UTC


@pytest.mark.parametrize("text", TEXTS)
def test_every_text_loads_as_djangos_loader_loads_it(text):
    ours, django = _loaders()
    assert _outcome(ours, text) == _outcome(django, text)


def test_a_value_in_utc_is_the_very_datetime():
    ours, _ = _loaders()
    assert ours.load(memoryview(b"2026-12-03 18:46:44.617816+00")) == datetime(
        2026, 12, 3, 18, 46, 44, 617816, tzinfo=UTC
    )
