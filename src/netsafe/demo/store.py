"""Writing the demo's records: in bulk, keyed on force + ref, so that loading twice adds nothing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

from netsafe.casework import models as m
from netsafe.casework import normalise

#: Model, in the order records are written (parents before children).
ORDER: tuple[type[models.Model], ...] = (
    m.Referral,
    m.Subject,
    m.Identifier,
    m.Address,
    m.RiskAssessment,
    m.Warrant,
    m.Arrest,
    m.VoluntaryInterview,
    m.Device,
    m.CustodyEvent,
    m.Safeguarding,
    m.Child,
    m.Signposting,
    m.Outcome,
)

#: Records without a ``ref`` belong to a parent: written only when the parent is new.
PARENT_OF: dict[type[models.Model], Callable[[Any], models.Model]] = {
    m.Identifier: lambda o: o.subject or o.referral,
    m.Address: lambda o: o.subject,
    m.CustodyEvent: lambda o: o.device,
    m.Child: lambda o: o.safeguarding,
}

BATCH = 2000


# --- Writing ------------------------------------------------------------------------


@dataclass
class Written:
    """How many records of each model a load created (and found already there)."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    alerts: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def derive(model: type[models.Model], objs: list) -> None:
    """Fill what the models' ``save()`` computes (``bulk_create`` calls no ``save()``)."""
    if model is m.Subject:
        for subject in objs:
            subject.born = subject.date_of_birth.year if subject.date_of_birth else None
            subject.name_key = normalise.name_and_birth(
                subject.given_names, subject.family_name, subject.date_of_birth
            )
    elif model is m.Identifier:
        for ident in objs:
            ident.derive_keys()
    elif model is m.Address:
        for address in objs:
            address.postcode = " ".join(address.postcode.upper().split())
            address.normalised = normalise.address(address.line1, address.postcode)


def _existing_refs(model, objs: list) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    by_force: dict[int, list[str]] = defaultdict(list)
    for obj in objs:
        by_force[obj.force_id].append(obj.ref)
    for force_id, refs in by_force.items():
        for i in range(0, len(refs), 900):
            rows = model.objects.filter(force_id=force_id, ref__in=refs[i : i + 900])
            for pk, ref in rows.values_list("pk", "ref"):
                found[(force_id, ref)] = pk
    return found


def write(records: Iterable[dict[type, list]], written: Written) -> list[models.Model]:
    """Insert the records (lists by model) that are not there yet; return the new subjects.

    A record with a ``ref`` is new when its force has no record of its model
    with that ref; an existing one lends its primary key to the new records
    that point at it. Records without a ``ref`` (identifiers, addresses,
    hand-overs, children) are written only with a new parent.
    """
    records = list(records)
    new_ids: set[int] = set()
    for model in ORDER:
        objs = [o for group in records for o in group.get(model, ())]
        if model in PARENT_OF:
            fresh = [o for o in objs if id(PARENT_OF[model](o)) in new_ids]
        else:
            have = _existing_refs(model, objs)
            fresh = []
            for obj in objs:
                pk = have.get((obj.force_id, obj.ref))
                if pk is None:
                    fresh.append(obj)
                else:
                    obj.pk = pk  # children of an existing record point at it
        derive(model, fresh)
        # bulk_create sends no signals: the audit log gets one "demo load" entry from
        # load(), not one per row, and deconfliction runs only where load() asks.
        model.objects.bulk_create(fresh, batch_size=BATCH)
        new_ids.update(map(id, fresh))
        written.created[model._meta.verbose_name_plural] += len(fresh)
        written.existing[model._meta.verbose_name_plural] += len(objs) - len(fresh)
    return [s for group in records for s in group.get(m.Subject, ()) if id(s) in new_ids]


def copy_present(suffix: str, referrals: int) -> bool:
    """Whether a copy of the operation (refs ending ``suffix``) holds all its ``referrals``."""
    found = m.Referral.objects.filter(ref__contains="-REF-", ref__endswith=suffix).count()
    return found == referrals


def refresh_statistics() -> None:
    """Have the database planner re-count the casework tables after a bulk load.

    Without statistics SQLite picks an index by its shape alone: for a
    subject's interviews it walked the whole force's through the (force, date)
    index instead of the subject's few rows. PostgreSQL's autovacuum would get
    there later; a demo should be fast at once.
    """
    tables = [model._meta.db_table for model in ORDER]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
