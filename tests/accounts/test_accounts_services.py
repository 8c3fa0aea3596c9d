"""Creating users: force and role rules, password rules, administrators."""

from __future__ import annotations

import pytest

from netsafe.accounts.services import AccountError, create_user

pytestmark = pytest.mark.django_db

GOOD = "a-long-enough-passphrase"


def test_creates_a_force_user_with_roles():
    user = create_user("sw-one", "south-wales", ["officer", "supervisor"], GOOD)
    assert user.force.slug == "south-wales"
    assert user.roles == {"officer", "supervisor"}
    assert user.check_password(GOOD)
    assert not user.is_staff


def test_administrators_get_the_admin_site():
    user = create_user("the-admin", None, ["admin"], GOOD)
    assert user.is_staff
    assert user.is_superuser


@pytest.mark.parametrize(
    ("force", "roles", "password", "message"),
    [
        ("kent", ["officer"], GOOD, "no force 'kent'; the forces are: dyfed-powys, gwent"),
        ("gwent", ["constable"], GOOD, "unknown role constable"),
        (None, ["officer"], GOOD, "need a force"),
        ("gwent", [], GOOD, "at least one role"),
        (None, ["call-handler", "analyst"], GOOD, "both police and prevention"),
        ("gwent", ["call-handler"], GOOD, "belong to no force"),
        ("gwent", ["officer"], "short", "too short"),
        ("gwent", ["officer"], "1234567890123", "entirely numeric"),
    ],
)
def test_bad_requests_are_refused_saying_why(force, roles, password, message):
    with pytest.raises(AccountError, match=message):
        create_user("someone", force, roles, password)


def test_a_second_user_of_the_same_name_is_refused():
    create_user("twice", "gwent", ["officer"], GOOD)
    with pytest.raises(AccountError, match="already exists"):
        create_user("TWICE", "gwent", ["officer"], GOOD)
