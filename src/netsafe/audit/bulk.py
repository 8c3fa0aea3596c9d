"""Bulk reads in the audit log: one entry for a list, filter, search or export, naming the
records it showed.

A single record's page is logged as a view; a page of 25 subjects, or an API page of
50 with their dates of birth, is just as much a reading of personal data (DPA 2018
s.62). Each such page writes ONE entry: the action (``list``, ``search`` or
``export``), the record type, what was asked (filters or search terms, in
``detail``) and the ids of the records shown, in ``changes["ids"]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .chain import append
from .context import current
from .models import AuditEntry
from .recording import _acting_user, _clip, _force_slug_of, force_slugs

#: The action of a bulk read that is neither a search nor an export.
LIST = "list"
#: The actions whose ``changes`` hold ``{"ids": [...]}`` rather than ``{field: [old, new]}``.
BULK_ACTIONS = frozenset({LIST, "search", "export"})


def record_shown(
    model: type[models.Model] | None,
    objects: Iterable[Any],
    *,
    action: str = LIST,
    detail: str = "",
    user: Any = None,
    forces: Iterable[str] | None = None,
) -> AuditEntry:
    """Log that ``objects`` (records of ``model``, or their ids) were shown; one entry.

    ``model`` is None for a page of several record types: the ids are then labelled
    with their type (``"referral:12"``).

    ``detail`` says what was asked (query string or search terms). The record's
    force is set when every record shown belongs to one force, so that the force's
    supervisors read the entry as they read a view of one of its records; ``forces``
    gives the records' force slugs when ``objects`` are ids.
    """
    items = list(objects)
    if model is None:
        ids = [f"{o._meta.model_name}:{o.pk}" if isinstance(o, models.Model) else o for o in items]
    else:
        ids = [getattr(o, "pk", o) for o in items]
    ctx = current()
    who = _acting_user(user if user is not None else ctx.user)
    if forces is None:
        # One query at most for the records' forces, not one per record.
        records = [o for o in items if isinstance(o, models.Model)]
        slugs = force_slugs(records, who)
        forces = [_force_slug_of(o, slugs=slugs) for o in records]
    forces = set(forces)
    entry = AuditEntry(
        action=_clip(action, "action"),
        model=model._meta.label_lower if model is not None else "",
        changes={"ids": ids},
        reason=ctx.reason,
        detail=_clip(detail, "detail"),
        actor=_clip(ctx.actor or "system", "actor"),
        object_repr=_clip(
            f"{len(ids)} {model._meta.verbose_name_plural if model else 'records'}",
            "object_repr",
        ),
        object_force=next(iter(forces)) if len(forces) == 1 else "",
    )
    if who is not None:
        entry.user_id = who.pk
        entry.username = _clip(who.get_username(), "username")
        entry.force = _force_slug_of(who, who)
    return append(entry)
