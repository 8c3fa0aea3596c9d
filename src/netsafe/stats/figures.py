"""The operation's figures, counted in the database.

:func:`compute` gives the ``stats --json`` object of the returns contract:
``totals``, ``by_force``, ``by_month`` and ``help_seeking``. Every count is an
aggregate query (one per model and grouping), never a loop over rows, so the
cost grows with the number of forces and months, not of records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from netsafe.accounts.models import Force
from netsafe.casework import models as m
from netsafe.casework.choices import ACTION_DAYS, ForensicStatus, OutcomeKind, RiskBand


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

    def aggregate(self, as_at: date):
        """The aggregate expression of this measure for records dated on or before ``as_at``."""
        on_time = Q(**{f"{self.date_field}__lte": as_at}, **dict(self.only))
        if self.how == "people":
            return Count("subject", distinct=True, filter=on_time)
        if self.how == "children":
            return Sum("children", filter=on_time, default=0)
        return Count("pk", filter=on_time)


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
BY_NAME = {measure.name: measure for measure in MEASURES}
#: The measures of ``by_month``: those whose months add up to the total.
MONTHLY = tuple(measure.name for measure in MEASURES if measure.additive_by_month)


def launched() -> date:
    return date.fromisoformat(settings.NETSAFE_OPERATION["launched"])


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """``YYYY-MM`` for every month from ``first``'s to ``last``'s, inclusive."""
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, end + 1)]


def _by_model(measures: Iterable[Measure]) -> dict[type, list[Measure]]:
    grouped: dict[type, list[Measure]] = {}
    for measure in measures:
        grouped.setdefault(measure.model, []).append(measure)
    return grouped


def by_force(as_at: date, forces: list[Force] | None = None) -> dict[str, dict[str, int]]:
    """Every measure for every force (zeros included): one grouped query per model."""
    forces = forces if forces is not None else list(Force.objects.order_by("name"))
    table = {f.slug: dict.fromkeys(BY_NAME, 0) for f in forces}
    slugs = {f.pk: f.slug for f in forces}
    for model, measures in _by_model(MEASURES).items():
        rows = (
            model.objects.order_by()
            .values("force_id")
            .annotate(**{ms.name: ms.aggregate(as_at) for ms in measures})
        )
        for row in rows:
            slug = slugs.get(row["force_id"])
            if slug is not None:
                for ms in measures:
                    table[slug][ms.name] = row[ms.name] or 0
    return table


def by_month(as_at: date) -> list[dict[str, Any]]:
    """The additive measures month by month, from launch (or the first record) to ``as_at``."""
    counts: dict[str, dict[str, int]] = {}
    first = launched().replace(day=1)
    for measure in (BY_NAME[name] for name in MONTHLY):
        field = measure.date_field
        rows = (
            measure.model.objects.filter(
                **{f"{field}__isnull": False, f"{field}__lte": as_at}, **dict(measure.only)
            )
            .order_by()
            .annotate(month=TruncMonth(field))
            .values("month")
            .annotate(n=measure.aggregate(as_at))
        )
        for row in rows:
            month = row["month"]
            first = min(first, month)
            counts.setdefault(month_key(month), {})[measure.name] = row["n"] or 0
    return [
        {"month": key, **{name: counts.get(key, {}).get(name, 0) for name in MONTHLY}}
        for key in months_between(first, as_at)
    ]


def help_seeking(as_at: date, region: str = "wales") -> dict[str, Any] | None:
    """The prevention service's before/after counts (already disclosure-controlled).

    None when the 12 months after launch had not ended by ``as_at`` (a figure
    for a period still running would count people after ``as_at``) or when
    the prevention service refuses the question.
    """
    from netsafe.prevention.aggregates import QueryRefused, before_after

    after_end = launched().replace(year=launched().year + 1) - timedelta(days=1)
    if as_at < after_end:
        return None
    try:
        return before_after(region)
    except QueryRefused:
        return None


def compute(as_at: date | None = None, *, with_help_seeking: bool = True) -> dict[str, Any]:
    """The ``stats --json`` object: true counts as at ``as_at`` (default: today).

    Not for publication as it is: pass it through
    :func:`netsafe.stats.disclosure.public` first.
    """
    as_at = as_at or timezone.localdate()
    forces = by_force(as_at)
    totals = {name: sum(row[name] for row in forces.values()) for name in BY_NAME}
    return {
        "operation": settings.NETSAFE_OPERATION["name"],
        "launched": launched().isoformat(),
        "as_at": as_at.isoformat(),
        "totals": totals,
        "by_force": forces,
        "by_month": by_month(as_at),
        "help_seeking": help_seeking(as_at) if with_help_seeking else None,
    }


# --- For the dashboard ----------------------------------------------------------------


def cumulative(months: list[dict[str, Any]], names: Iterable[str]) -> dict[str, list[int]]:
    """Running totals of ``names`` over ``by_month`` rows."""
    result = {}
    for name in names:
        running, series = 0, []
        for row in months:
            running += row[name]
            series.append(running)
        result[name] = series
    return result


def devices_backlog(as_at: date) -> dict[str, dict[str, int]]:
    """Devices seized by ``as_at`` per force: seized, triaged (or beyond) and awaiting triage.

    The forensic status is the device's status now: the backlog as it stands
    today of the devices seized by ``as_at``.
    """
    awaiting = Q(forensic_status=ForensicStatus.AWAITING_TRIAGE)
    rows = (
        m.Device.objects.filter(seized__lte=as_at)
        .order_by()
        .values("force__slug")
        .annotate(seized=Count("pk"), awaiting=Count("pk", filter=awaiting))
    )
    table = {}
    for row in rows:
        table[row["force__slug"]] = {
            "seized": row["seized"],
            "triaged": row["seized"] - row["awaiting"],
            "awaiting": row["awaiting"],
        }
    return table


def time_to_action(as_at: date) -> list[dict[str, Any]]:
    """Referrals by risk band against the band's target (1, 7, 14 or 30 days).

    Per band: referrals with a band received by ``as_at``; acted on within
    the target (on or before the date action was due); acted on late; not yet
    acted on and overdue; not yet acted on and still within the target.
    """
    acted = Q(actioned__isnull=False, actioned__lte=as_at)
    waiting = ~acted
    aggregates = {}
    for band in RiskBand:
        b = Q(risk=band.value)
        aggregates |= {
            f"{band.value}|total": Count("pk", filter=b),
            f"{band.value}|on_time": Count(
                "pk", filter=b & acted & Q(actioned__lte=F("action_due"))
            ),
            f"{band.value}|late": Count("pk", filter=b & acted & Q(actioned__gt=F("action_due"))),
            f"{band.value}|overdue": Count("pk", filter=b & waiting & Q(action_due__lt=as_at)),
        }
    counts = m.Referral.objects.filter(received__lte=as_at).aggregate(**aggregates)
    rows = []
    for band in RiskBand:
        row = {
            key.split("|")[1]: value
            for key, value in counts.items()
            if key.startswith(f"{band.value}|")
        }
        row["waiting"] = row["total"] - row["on_time"] - row["late"] - row["overdue"]
        acted_on = row["on_time"] + row["late"]
        row["percent_on_time"] = round(100 * row["on_time"] / acted_on) if acted_on else None
        rows.append(
            {"band": band.value, "label": band.label, "target_days": ACTION_DAYS[band]} | row
        )
    return rows
