"""Who may do what with casework: the rules, in one place.

- A force role (officer, supervisor, examiner, safeguarding) reads and changes
  its own force's records.
- The operation lead reads every force's records and changes none.
- The analyst sees figures only (operation-wide), never a record.
- Administrators manage users, not cases: figures only.
- The charity's roles see nothing of casework, not even figures.

The rules themselves are rows of the one gate,
:func:`netsafe.accounts.permissions.allowed`; these functions name them for
casework. The querysets (``Model.objects.visible_to(user)`` /
``editable_by(user)``) apply them to records; the views only ask these
functions whether a page exists for the user at all.
"""

from __future__ import annotations

from netsafe.accounts import permissions as gate
from netsafe.accounts.roles import OPERATION_ROLES, Role

#: :func:`figures_scope` for a user who sees no figures.
NO_FIGURES = object()


def force_id_of(user) -> int | None:
    """The force whose records ``user`` works on (as a force role), or None."""
    return gate.force_id_of(user)


def reads_all_forces(user) -> bool:
    """The operation lead reads every force's cases."""
    return gate.allowed(user, gate.READ, "casework") and user.has_role(Role.OPERATION_LEAD)


#: :func:`read_scope` of a user who reads every force's records.
ALL_FORCES = "all"


def read_scope(user) -> int | str | None:
    """Whose records ``user`` reads: :data:`ALL_FORCES`, their force's id, or None (none).

    ``Model.objects.visible_to(user)`` is this scope applied to records.
    """
    if reads_all_forces(user):
        return ALL_FORCES
    return force_id_of(user)


def reads_casework(user) -> bool:
    """Whether ``user`` may read any casework record."""
    return gate.allowed(user, gate.READ, "casework")


def writes_casework(user) -> bool:
    """Whether ``user`` may create and change casework (of their own force)."""
    return gate.allowed(user, gate.CHANGE, "casework")


def sees_figures(user) -> bool:
    """Whether ``user`` sees the operation's figures (police roles only)."""
    return gate.allowed(user, gate.READ_FIGURES, "casework")


def figures_scope(user):
    """The force whose figures ``user`` sees, None for operation-wide, or :data:`NO_FIGURES`."""
    if not sees_figures(user):
        return NO_FIGURES
    if user.has_role(*OPERATION_ROLES) or user.force_id is None:
        return None
    return user.force
