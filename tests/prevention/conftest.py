"""Fixtures of the prevention tests: charity staff, police users, a contact, a clean cache."""

from __future__ import annotations

import pytest
from prevention_helpers import local
from tests.factories import make_user

from netsafe.accounts.roles import POLICE_ROLES, Role
from netsafe.prevention.counting import visit_cache
from netsafe.prevention.models import Contact


@pytest.fixture(autouse=True)
def _clean_cache():
    # Visit counting keeps its salts and digests in the cache: start each test afresh.
    visit_cache().clear()
    yield
    visit_cache().clear()


@pytest.fixture
def handler(db):
    return make_user("helpline-handler-t", None, Role.CALL_HANDLER)


@pytest.fixture
def supervisor(db):
    return make_user("helpline-supervisor-t", None, Role.HELPLINE_SUPERVISOR)


@pytest.fixture
def analyst(db):
    return make_user("charity-analyst-t", None, Role.CHARITY_ANALYST)


@pytest.fixture
def police_users(db):
    """One user per police role (force roles in South Wales, operation roles without a force)."""
    users = []
    for role in sorted(POLICE_ROLES):
        force = (
            None
            if role in {Role.ANALYST, Role.OPERATION_LEAD, Role.ADMINISTRATOR}
            else "south-wales"
        )
        users.append(make_user(f"police-{role}", force, role))
    # A Django superuser with a police role: still no way in.
    boss = make_user("police-superuser", None, Role.ADMINISTRATOR, is_superuser=True, is_staff=True)
    users.append(boss)
    return users


@pytest.fixture
def contact(handler):
    return Contact.objects.create(
        occurred_at=local(2017, 3, 4, 10, 30),
        caller_type="self",
        region="wales-gwent",
        duration_minutes=20,
        caller_code="OAK-42",
        handler=handler.pk,
    )
