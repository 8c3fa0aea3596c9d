"""The demo loaded once for a module, inside a transaction rolled back at its end."""

from __future__ import annotations

import io

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def demo_operation(django_db_setup, django_db_blocker):
    """The synthetic operation and demo users (without the charity's log); returns the summary.

    Loading takes seconds, so a module shares one load; each test still runs in
    its own savepoint, and the whole load is rolled back after the module.
    """
    from netsafe.demo.loading import load

    with django_db_blocker.unblock(), transaction.atomic():
        yield load(stdout=io.StringIO(), prevention=False)
        transaction.set_rollback(True)
