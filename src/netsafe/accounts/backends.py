"""Signing in with a user name and password, and finding the signed-in user on each request."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth.backends import ModelBackend, UserModel
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connections, router

from netsafe.web.rows import Columns

from .models import Force


class UserBackend(ModelBackend):
    """Django's model backend, reading the signed-in user with their force and roles.

    Every page shows the user's force in its header and every audit entry names
    it, and every page asks the user's roles (the navigation, the permission gate),
    so the session's user is read with both: one statement a request, not three,
    and one written once per process rather than built by the ORM each time.
    """

    def get_user(self, user_id):
        try:
            user_id = UserModel._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@lru_cache(maxsize=64)  # one per thread's connection to the users' database
def _statement(connection) -> tuple[str, Columns, Columns]:
    quote = connection.ops.quote_name
    users, forces = Columns(UserModel, "u", connection), Columns(Force, "f", connection)
    memberships = UserModel._meta.get_field("groups").remote_field.through._meta
    member = memberships.get_field("user").column
    group = memberships.get_field("group").column
    force = UserModel._meta.get_field("force").column
    pk = quote(UserModel._meta.pk.column)
    sql = (
        f"SELECT {users.sql}, {forces.sql}, g.{quote(Group._meta.get_field('name').column)} "
        f"FROM {quote(UserModel._meta.db_table)} u "
        f"LEFT JOIN {quote(Force._meta.db_table)} f "
        f"ON f.{quote(Force._meta.pk.column)} = u.{quote(force)} "
        f"LEFT JOIN {quote(memberships.db_table)} ug ON ug.{quote(member)} = u.{pk} "
        f"LEFT JOIN {quote(Group._meta.db_table)} g "
        f"ON g.{quote(Group._meta.pk.column)} = ug.{quote(group)} "
        f"WHERE u.{pk} = %s"
    )
    return sql, users, forces


def signed_in_user(user_id: int):
    """The user ``user_id`` with their force and roles already read, or None (one statement).

    A row per role (one row, its role empty, for a user with none); each row
    repeats the user and their force.
    """
    alias = router.db_for_read(UserModel)
    connection = connections[alias]
    sql, users, forces = _statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    user = users.build(rows[0], using=alias)
    user.force = forces.build(rows[0], users.count, using=alias) if user.force_id else None
    user.remember_roles(row[-1] for row in rows if row[-1] is not None)
    return user
