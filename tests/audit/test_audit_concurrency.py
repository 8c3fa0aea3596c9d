"""Concurrent writers never fork the chain (PostgreSQL: the chain head row is locked)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from netsafe.audit import record, verify
from netsafe.audit.models import AuditEntry

WRITERS, EACH = 4, 15


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections (SQLite serialises writers by its database lock)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                # Each entry in its own transaction, as in a request.
                with transaction.atomic():
                    record("view", detail=f"writer {n} entry {i}")
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == WRITERS * EACH
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    result = verify()
    assert result.ok, result.problem
