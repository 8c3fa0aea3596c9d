"""Concurrent writers never fork the chain (PostgreSQL: the chain head row is locked).

Twenty officers creating records at once once failed with IntegrityError: each drew
the same next reference (REF-00005), not seeing the others' uncommitted records.
"""

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


RECORD_WRITERS, RECORDS_EACH = 20, 5


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections (SQLite serialises writers by its database lock)",
)
@pytest.mark.django_db(transaction=True)
def test_twenty_officers_creating_records_at_once_lose_no_entry():
    from django.db import connections
    from tests.casework.factories import referral
    from tests.factories import make_user

    from netsafe.audit.context import audit_context
    from netsafe.casework.models import Referral

    officers = [make_user(f"writer-{n}", "gwent", "officer") for n in range(RECORD_WRITERS)]
    start = threading.Barrier(RECORD_WRITERS)
    failures: list[BaseException] = []

    def officer(user) -> None:
        try:
            start.wait()
            for i in range(RECORDS_EACH):
                # One request: create a referral and change it, both audited, one commit.
                with (
                    audit_context(user=user, actor="web: POST /casework/referrals/new/"),
                    transaction.atomic(),
                ):
                    made = referral("gwent", package_ref=f"CEOP-{user.pk}-{i}")
                    made.summary = "updated in the same request"
                    made.save()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=officer, args=(u,)) for u in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert Referral.objects.count() == RECORD_WRITERS * RECORDS_EACH
    made = AuditEntry.objects.filter(model="casework.referral")
    assert made.filter(action="create").count() == RECORD_WRITERS * RECORDS_EACH
    assert made.filter(action="update").count() == RECORD_WRITERS * RECORDS_EACH
    for user in officers:
        assert made.filter(user_id=user.pk).count() == 2 * RECORDS_EACH
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    result = verify()
    assert result.ok, result.problem
