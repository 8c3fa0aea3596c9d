"""The operation's headline figures, counted from the casework records."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.db.models.signals import post_delete, post_save

from . import models as m

#: The cache key of the casework's version: any record saved or deleted changes it.
VERSION_KEY = "netsafe:casework-version"


def headline(force=None, as_at: date | None = None) -> dict[str, int]:
    """Warrants executed, people arrested, devices seized, children safeguarded and more.

    ``force`` limits the count to one force (None: the whole operation);
    ``as_at`` counts only what had happened by that date. The names are those
    of the returns contract's ``stats --json`` totals.
    """

    def scoped(model, date_field: str):
        qs = model.objects.of_force(force)
        return qs if as_at is None else qs.filter(**{f"{date_field}__lte": as_at})

    arrests = scoped(m.Arrest, "date")
    return {
        "referrals": scoped(m.Referral, "received").count(),
        "warrants_executed": m.Warrant.objects.of_force(force).executed(as_at).count(),
        "arrests": arrests.count(),
        "people_arrested": arrests.values("subject_id").distinct().count(),
        "voluntary_interviews": scoped(m.VoluntaryInterview, "date").count(),
        "devices_seized": scoped(m.Device, "seized").count(),
        "children_safeguarded": scoped(m.Safeguarding, "date").aggregate(n=Sum("children"))["n"]
        or 0,
        "signposted": scoped(m.Signposting, "date").count(),
    }


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


def shown_count(queryset) -> int:
    """``queryset.count()``, kept like :func:`shown_headline` (My work's totals: the
    operation lead's devices awaiting triage alone are 63,000 rows at 100 times the demo).
    """
    if not settings.NETSAFE_FIGURES_SECONDS:
        return queryset.count()
    sql, params = queryset.query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    return _kept(f"count:{digest}", queryset.count)


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
