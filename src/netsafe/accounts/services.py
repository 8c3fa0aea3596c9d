"""Creating users the one checked way, for the ``createuser`` command, the admin and the demo."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Force, User
from .permissions import CONTENT_ROLES
from .roles import FORCE_ROLES, PREVENTION_ROLES, Role


class AccountError(ValueError):
    """A user cannot be created as asked; the message says why."""


def check_roles(roles: Iterable[str], force: Force | None) -> list[str]:
    """The roles, checked against each other and the force; raises :class:`AccountError`.

    Force roles need a force; the charity's roles must have none (charity staff
    belong to no police force); police and charity roles never mix.
    """
    wanted = sorted(set(roles))
    if not wanted:
        raise AccountError("give at least one role")
    unknown = [r for r in wanted if r not in Role.values]
    if unknown:
        raise AccountError(
            f"unknown role {', '.join(unknown)}; the roles are: {', '.join(Role.values)}"
        )
    if Role.ADMINISTRATOR in wanted and set(wanted) & CONTENT_ROLES:
        # Administrators manage users and see figures; they never read casework or the
        # helpline, so the roles that would let them are refused, not combined.
        raise AccountError(
            "an administrator cannot also hold police or charity roles "
            f"({', '.join(sorted(set(wanted) & CONTENT_ROLES))}): use a separate account"
        )
    if set(wanted) & FORCE_ROLES and force is None:
        raise AccountError(f"role(s) {', '.join(sorted(set(wanted) & FORCE_ROLES))} need a force")
    if set(wanted) & PREVENTION_ROLES:
        if set(wanted) - PREVENTION_ROLES:
            raise AccountError("a user cannot hold both police and prevention roles")
        if force is not None:
            raise AccountError("charity staff (prevention roles) belong to no force")
    return wanted


def find_force(slug: str | None) -> Force | None:
    """The force with ``slug`` (``None`` for none); :class:`AccountError` lists the known ones."""
    if not slug:
        return None
    try:
        return Force.objects.get(slug=slug)
    except Force.DoesNotExist:
        known = ", ".join(Force.objects.order_by("slug").values_list("slug", flat=True))
        raise AccountError(f"no force {slug!r}; the forces are: {known}") from None


@transaction.atomic
def create_user(
    username: str,
    force_slug: str | None,
    roles: Iterable[str],
    password: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create an active user after checking the name, force, roles and password.

    Administrators get the admin site (``is_staff`` and ``is_superuser``):
    in NetSafe the administrator role is the one that manages users and forces.
    """
    username = username.strip()
    if not username:
        raise AccountError("the user name is empty")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"a user named {username!r} already exists")
    force = find_force(force_slug)
    checked = check_roles(roles, force)
    user = User(
        username=username,
        force=force,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    try:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("; ".join(exc.messages)) from None
    is_admin = Role.ADMINISTRATOR in checked
    user.is_staff = user.is_superuser = is_admin
    user.set_password(password)
    user.save()
    user.set_roles(checked)
    return user
