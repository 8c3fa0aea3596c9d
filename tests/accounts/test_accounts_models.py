"""Forces, users and roles as the rest of NetSafe uses them."""

from __future__ import annotations

import pytest
from tests.factories import force, make_user

from netsafe.accounts.models import Force, User
from netsafe.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_the_four_welsh_forces_are_registered():
    slugs = set(Force.objects.values_list("slug", flat=True))
    assert {"south-wales", "gwent", "dyfed-powys", "north-wales"} <= slugs
    assert force("gwent").name == "Gwent Police"


def test_roles_are_groups_and_answer_has_role():
    user = make_user("roles-one", "gwent", Role.OFFICER, Role.SAFEGUARDING)
    assert user.roles == {"officer", "safeguarding"}
    assert user.has_role(Role.SAFEGUARDING, Role.ADMINISTRATOR)
    assert not user.has_role(Role.SUPERVISOR)


def test_set_roles_refuses_unknown_roles_and_police_with_charity():
    user = make_user("roles-two", None, Role.ANALYST)
    with pytest.raises(ValueError, match="unknown role"):
        user.set_roles(["sergeant"])
    with pytest.raises(ValueError, match="both police and prevention"):
        user.set_roles([Role.ANALYST, Role.CALL_HANDLER])
    assert User.objects.get(pk=user.pk).roles == {"analyst"}
