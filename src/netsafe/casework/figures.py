"""The operation's figures, defined once: what each counts, and the headline ones counted.

:data:`MEASURES` says, for each figure of the returns contract's ``stats --json``
totals, which records it counts, dated by which field, and how. The statistics
(:mod:`netsafe.stats.figures`) count all of them by force and month; the home
page counts them here (:func:`headline`); :data:`HEADLINE` names the four the
operation was reported by (the press release, the dashboard's first figures,
the demo's totals).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.signals import post_delete, post_save

from . import models as m
from .choices import OutcomeKind

#: The cache key of the casework's version: any record saved or deleted changes it.
VERSION_KEY = "netsafe:casework-version"


@dataclass(frozen=True)
class Measure:
    """One figure: which records, dated by which field, counted how.

    ``how`` is ``count`` (records), ``people`` (distinct subjects) or
    ``children`` (the sum of ``children``).
    """

    name: str
    label: str
    model: type
    date_field: str
    how: str = "count"
    only: tuple[tuple[str, Any], ...] = ()

    @property
    def additive_by_month(self) -> bool:
        """A distinct count of people per month would not add up to the total."""
        return self.how != "people"

    def aggregate(self, also: Q | None = None):
        """The aggregate expression of this measure (``also``: a further condition)."""
        only = Q(**dict(self.only)) if self.only else None
        if also is not None:
            only = also if only is None else only & also
        if self.how == "people":
            return Count("subject", distinct=True, filter=only)
        if self.how == "children":
            return Sum("children", filter=only, default=0)
        # COUNT(*) lets SQLite answer from an index alone; COUNT(id) reads each row.
        return Count("pk", filter=only) if only else Count("*")


MEASURES: tuple[Measure, ...] = (
    Measure("referrals", "Referrals received", m.Referral, "received"),
    Measure("warrants_issued", "Warrants issued", m.Warrant, "issued"),
    Measure("warrants_executed", "Warrants executed", m.Warrant, "executed"),
    Measure("arrests", "Arrests", m.Arrest, "date"),
    Measure("people_arrested", "People arrested", m.Arrest, "date", how="people"),
    Measure("voluntary_interviews", "Voluntary interviews", m.VoluntaryInterview, "date"),
    Measure("devices_seized", "Devices seized", m.Device, "seized"),
    Measure("children_safeguarded", "Children safeguarded", m.Safeguarding, "date", "children"),
    Measure("signposted", "Signposted to Stop it Now!", m.Signposting, "date"),
    Measure(
        "charged",
        "People charged",
        m.Outcome,
        "date",
        how="people",
        only=(("outcome", OutcomeKind.CHARGED),),
    ),
    Measure(
        "convicted",
        "People convicted",
        m.Outcome,
        "date",
        how="people",
        only=(("outcome", OutcomeKind.CONVICTED),),
    ),
)

#: The figures the operation was reported by, in the order they are given.
HEADLINE = ("warrants_executed", "people_arrested", "devices_seized", "children_safeguarded")
#: The figures of the home page: the headline ones and the work around them.
HOME = (*HEADLINE, "referrals", "arrests", "voluntary_interviews", "signposted")


def by_table(measures: Iterable[Measure]) -> dict[tuple[type, str], list[Measure]]:
    """Measures grouped by the records and date they count: one scan of a table each."""
    grouped: dict[tuple[type, str], list[Measure]] = {}
    for measure in measures:
        grouped.setdefault((measure.model, measure.date_field), []).append(measure)
    return grouped


def headline(force=None, as_at: date | None = None, names: Iterable[str] = HOME) -> dict[str, int]:
    """The figures ``names`` (default: the home page's): warrants executed, people arrested,
    devices seized, children safeguarded and more.

    ``force`` limits the count to one force (None: the whole operation);
    ``as_at`` counts only what had happened by that date (a record without the
    date, such as a warrant not executed, never counts). One query per table.
    """
    wanted = set(names)
    counts: dict[str, int] = {}
    for (model, field), measures in by_table(ms for ms in MEASURES if ms.name in wanted).items():
        happened = {f"{field}__isnull": False}
        if as_at is not None:
            happened = {f"{field}__lte": as_at}
        rows = model.objects.of_force(force).filter(**happened)
        found = rows.aggregate(**{ms.name: ms.aggregate() for ms in measures})
        counts.update((name, n or 0) for name, n in found.items())
    return {ms.name: counts[ms.name] for ms in MEASURES if ms.name in wanted}


def shown_headline(force=None) -> dict[str, int]:
    """:func:`headline` as the home page shows it: counted at most every
    ``NETSAFE_FIGURES_SECONDS`` (30) seconds for each scope.

    Counting every record of an operation 100 times the demo's size on each view of
    the home page (over 400,000 rows for the operation lead) was most of the page's
    time. A record saved or deleted through the models changes the casework's
    version, which is part of the key, so this process (and every process, with a
    shared cache: ``NETSAFE_CACHE_URL``) counts again at once; bulk writes (a
    return's import, the demo) show within the seconds.
    """
    return _kept(f"figures:{force.pk if force is not None else 'all'}", lambda: headline(force))


def shown_count(records: Callable[[], QuerySet], key: str) -> int:
    """``records().count()``, kept like :func:`shown_headline` (My work's totals: the
    operation lead's devices awaiting triage alone are 63,000 rows at 100 times the demo).

    ``key`` names what is counted, and must differ wherever the records may differ (the
    kind of record, the state, whose records, the day): writing the query's SQL to name
    it took as long as a section's rows. ``records`` is asked only when counting.
    """
    if not settings.NETSAFE_FIGURES_SECONDS:
        return records().count()
    return _kept(f"count:{key}", lambda: records().count())


def _kept(name: str, compute):
    """``compute()``, kept for ``NETSAFE_FIGURES_SECONDS`` under the casework's version."""
    seconds = settings.NETSAFE_FIGURES_SECONDS
    if not seconds:
        return compute()
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    key = f"netsafe:{name}:{version}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def _changed(sender, **kwargs) -> None:
    if sender._meta.app_label == "casework":
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def watch_changes() -> None:
    """Count the figures again after any casework record is saved or deleted."""
    post_save.connect(_changed, dispatch_uid="netsafe-figures-changed")
    post_delete.connect(_changed, dispatch_uid="netsafe-figures-deleted")
