"""The signed-in user of each request: read in one statement with their force and roles."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import make_user

from netsafe.accounts.backends import UserBackend, signed_in_user
from netsafe.accounts.models import User
from netsafe.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_user_comes_with_their_force_and_roles_in_one_statement():
    made = make_user("sw-supervisor", "south-wales", Role.SUPERVISOR, Role.EXAMINER)
    made.last_login = timezone.now() - datetime.timedelta(hours=2)
    made.save(update_fields=["last_login"])
    Group.objects.create(name="not-a-role").user_set.add(made)
    with CaptureQueriesContext(connection) as queries:
        user = UserBackend().get_user(made.pk)
        # All read already: the header's force and the gate's roles ask nothing more.
        assert user.force.name == "South Wales Police"
        assert user.roles == {Role.SUPERVISOR, Role.EXAMINER}
        assert user.has_role(Role.EXAMINER)
        assert not user.has_role(Role.OFFICER)
    assert len(queries) == 1
    # Every field as the ORM reads it (dates and flags converted on every engine).
    assert _fields(user) == _fields(User.objects.get(pk=made.pk))
    assert isinstance(user.last_login, datetime.datetime)
    assert user.last_login.tzinfo
    assert user.is_active is True
    assert user.is_staff is False
    assert not user._state.adding
    assert user._state.db == "default"
    assert user.get_session_auth_hash() == made.get_session_auth_hash()


def test_a_user_without_a_force_or_roles_asks_nothing_more():
    made = make_user("newcomer")
    with CaptureQueriesContext(connection) as queries:
        user = signed_in_user(made.pk)
        assert user.force is None
        assert user.roles == frozenset()
    assert len(queries) == 1


def test_an_unknown_or_deactivated_user_is_nobody():
    gone = make_user("gone", "gwent", Role.OFFICER)
    assert UserBackend().get_user(gone.pk + 1000) is None
    assert UserBackend().get_user("not a number") is None
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert UserBackend().get_user(gone.pk) is None


def test_a_role_taken_away_is_gone_on_the_next_request(client):
    """Roles are read with the user on every request, never kept between requests."""
    user = make_user("moved", "gwent", Role.OFFICER)
    client.force_login(user)
    assert client.get("/casework/referrals/").status_code == 200
    user.set_roles([])
    assert client.get("/casework/referrals/").status_code == 404
