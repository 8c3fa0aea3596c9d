"""Test data for users and forces, shared by every area's tests.

``make_user("sw-officer", "south-wales", Role.OFFICER)`` gives an active user
of South Wales Police holding the officer role, with :data:`PASSWORD`.
"""

from __future__ import annotations

from netsafe.accounts.models import Force, User

#: The password every factory user has unless told otherwise (passes the validators).
PASSWORD = "correct-horse-battery-staple"

#: The four Welsh forces, as the accounts migration registers them; transactional
#: tests empty the tables, so :func:`force` puts them back when needed.
WELSH_FORCES = {
    "south-wales": ("South Wales Police", 42),
    "gwent": ("Gwent Police", 17),
    "dyfed-powys": ("Dyfed-Powys Police", 19),
    "north-wales": ("North Wales Police", 22),
}


def force(slug: str) -> Force:
    """The force with ``slug``, created when missing (Welsh forces with their real names)."""
    name, weight = WELSH_FORCES.get(slug, (f"{slug.replace('-', ' ').title()} Police", 1))
    obj, _ = Force.objects.get_or_create(
        slug=slug,
        defaults={"name": name, "weight": weight, "contact": f"NetSafe desk, {name}"},
    )
    return obj


def make_user(
    username: str,
    force_slug: str | None = None,
    *roles: str,
    password: str = PASSWORD,
    **fields,
) -> User:
    """An active user of force ``force_slug`` (``None`` for none) holding ``roles``."""
    user = User(
        username=username,
        force=force(force_slug) if force_slug else None,
        email=fields.pop("email", f"{username}@example.invalid"),
        **fields,
    )
    user.set_password(password)
    user.save()
    user.set_roles(roles)
    return user
