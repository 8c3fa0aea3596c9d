"""The operation's headline figures, counted from the casework records."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from . import models as m


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
