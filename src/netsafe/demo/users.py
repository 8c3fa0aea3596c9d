"""The demo users: one per force and role, plus the operation-wide ones.

Every demo user has the same password: ``NETSAFE_DEMO_PASSWORD`` when it is
set, otherwise :data:`DEFAULT_PASSWORD`, which is printed by ``netsafe demo``
and therefore no secret. The default is refused when ``NETSAFE_ENV=production``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from netsafe.accounts.models import User
from netsafe.accounts.roles import Role
from netsafe.accounts.services import AccountError, check_roles, create_user, find_force

#: The password of every demo user when ``NETSAFE_DEMO_PASSWORD`` is not set.
DEFAULT_PASSWORD = "netsafe-demo-2016"
PASSWORD_VARIABLE = "NETSAFE_DEMO_PASSWORD"

#: The operation's forces, in the order the demo lists them.
FORCES = ("south-wales", "gwent", "dyfed-powys", "north-wales")
#: The roles that get one demo user in each force.
FORCE_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.EXAMINER, Role.SAFEGUARDING)


class DemoError(RuntimeError):
    """The demo cannot be loaded as asked; the message says why and what to do."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    force: str | None
    role: str


def demo_users() -> list[DemoUser]:
    """Every demo user of the platform: ``FORCE-ROLE``, ``operation-lead``, ``operation-analyst``
    and ``admin``."""
    users = [DemoUser(f"{force}-{role}", force, role) for force in FORCES for role in FORCE_ROLES]
    users += [
        DemoUser("operation-lead", None, Role.OPERATION_LEAD),
        DemoUser("operation-analyst", None, Role.ANALYST),
        DemoUser("admin", None, Role.ADMINISTRATOR),
    ]
    return users


def demo_password() -> str:
    """The demo users' password: ``NETSAFE_DEMO_PASSWORD``, else the printed default.

    Raises :class:`DemoError` in production without ``NETSAFE_DEMO_PASSWORD``:
    a password printed on every demo load must never guard a live system.
    """
    chosen = os.environ.get(PASSWORD_VARIABLE, "")
    if chosen:
        return chosen
    if getattr(settings, "PRODUCTION", False):
        raise DemoError(
            f"NETSAFE_ENV=production: the demo's default password is public; "
            f"set {PASSWORD_VARIABLE} to a password of your own to load the demo"
        )
    return DEFAULT_PASSWORD


def check_password_for_everyone(password: str, usernames: list[str]) -> None:
    """Refuse, before anything is written, a password that Django's validators refuse for
    any one demo user: every demo user gets the same password, so it must pass the
    checks for all of them (one rule compares it with each user name).

    The :class:`DemoError` names the users and the rules that failed and what to do.
    """
    failures: list[tuple[str, list[str]]] = []
    for username in usernames:
        try:
            # An unsaved user as the demo creates it: the validators compare the
            # password with its name (and its empty e-mail and names).
            validate_password(password, User(username=username))
        except ValidationError as exc:
            failures.append((username, list(exc.messages)))
    if not failures:
        return
    source = f"{PASSWORD_VARIABLE}" if os.environ.get(PASSWORD_VARIABLE) else "the demo password"
    first, reasons = failures[0]
    others = [name for name, _ in failures[1:]]
    also = ""
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        users = "user" if len(others) == 1 else "users"
        also = f" (it fails for {len(others)} other demo {users} too: {shown})"
    raise DemoError(
        f"{source} is the one password of all {len(usernames)} demo users, so it must pass "
        f"Django's password checks for every one of them. For demo user {first} it fails: "
        f"{' '.join(reasons).rstrip('.')}{also}. Nothing was loaded. Choose a password of at least "
        "10 characters that is not a common password, not only digits and not like any "
        "demo user name (such as FORCE-ROLE, operation-lead, helpline-handler), for example "
        f"four unrelated words; or, outside production, unset {PASSWORD_VARIABLE} to use "
        f"the demo default."
    )


def password_source() -> str:
    """Where the demo password comes from, in words for the log-in help."""
    if os.environ.get(PASSWORD_VARIABLE):
        return f"the value of {PASSWORD_VARIABLE}"
    return f"{DEFAULT_PASSWORD} (the demo default; set {PASSWORD_VARIABLE} to choose another)"


@transaction.atomic
def ensure_users(password: str) -> dict[str, User]:
    """Create the demo users, or bring existing ones back to their demo force, role and password.

    Loading twice changes nothing: a user already as the demo wants it is left
    alone (the password hash is only replaced when the password differs, so
    that demo users stay logged in).
    """
    out: dict[str, User] = {}
    for spec in demo_users():
        try:
            out[spec.username] = _ensure(spec, password)
        except AccountError as exc:
            raise DemoError(f"demo user {spec.username}: {exc}") from None
    return out


def _ensure(spec: DemoUser, password: str) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        return create_user(spec.username, spec.force, [spec.role], password)
    force = find_force(spec.force)
    roles = check_roles([spec.role], force)
    is_admin = spec.role == Role.ADMINISTRATOR
    changed = []
    if user.force_id != (force.pk if force else None):
        user.force = force
        changed.append("force")
    for name, value in (("is_active", True), ("is_staff", is_admin), ("is_superuser", is_admin)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if not user.check_password(password):
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountError("; ".join(exc.messages)) from None
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    if set(user.roles) != set(roles):
        user.set_roles(roles)
    return user
