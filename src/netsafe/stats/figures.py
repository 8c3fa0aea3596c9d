"""The operation's figures, counted in the database.

:func:`compute` gives the ``stats --json`` object of the returns contract:
``totals``, ``by_force``, ``by_month`` and ``help_seeking``. Every count is an
aggregate query (one per model and grouping), never a loop over rows, so the
cost grows with the number of forces and months, not of records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from netsafe.accounts.models import Force
from netsafe.casework import models as m
from netsafe.casework.choices import ACTION_DAYS, ForensicStatus, RiskBand
from netsafe.casework.figures import MEASURES, Measure, by_table
from netsafe.periods import launch_day, year_after_launch

BY_NAME = {measure.name: measure for measure in MEASURES}
#: The measures of ``by_month``: those whose months add up to the total.
MONTHLY = tuple(measure.name for measure in MEASURES if measure.additive_by_month)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """``YYYY-MM`` for every month from ``first``'s to ``last``'s, inclusive."""
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, end + 1)]


def tables(as_at: date, forces: list[Force] | None = None):
    """``by_force`` (every measure, every force, zeros included) and ``by_month``.

    One query per table and date counts the additive measures by force and
    day together (months and forces are then sums of those few thousand
    cells: grouping by the plain column is several times faster than by a
    month computed for every row); one more per table counts the distinct
    people by force.
    """
    forces = forces if forces is not None else list(Force.objects.order_by("name"))
    slugs = {f.pk: f.slug for f in forces}
    by_force = {f.slug: dict.fromkeys(BY_NAME, 0) for f in forces}
    months: dict[str, dict[str, int]] = {}
    first = month_key(launch_day())
    for (model, field), measures in by_table(MEASURES).items():
        additive = [ms for ms in measures if ms.additive_by_month]
        if additive:
            cells = _force_month_cells(model, field, additive, as_at)
            first = min([first, *_add_cells(cells, additive, slugs, by_force, months)])
        people = [ms for ms in measures if not ms.additive_by_month]
        if people:
            _count_people(model, field, people, as_at, slugs, by_force)
    return by_force, _month_rows(months, first, as_at)


def _force_month_cells(
    model, field: str, additive: list[Measure], as_at: date
) -> dict[tuple[int, int, int], list[int]]:
    """The ``additive`` measures of one table counted by (force id, year, month) up to
    ``as_at``: one query grouping by force and day, the days then summed here."""
    # Every day is grouped and the days after ``as_at`` dropped here: a WHERE
    # on the date makes SQLite walk the date's index and fetch row by row,
    # several times slower than reading the table through once.
    rows = (
        model.objects.order_by()
        .values_list("force_id", field)
        .annotate(**{ms.name: ms.aggregate() for ms in additive})
    )
    # The days summed into (force, month) cells first: a plain loop over a few
    # thousand tuples, the counts added to the tables once per cell.
    cells: dict[tuple[int, int, int], list[int]] = {}
    for force_id, day, *counts in rows:
        if day is None or day > as_at:
            continue
        key = (force_id, day.year, day.month)
        cell = cells.get(key)
        if cell is None:
            cells[key] = [n or 0 for n in counts]
        else:
            for i, n in enumerate(counts):
                cell[i] += n or 0
    return cells


def _add_cells(
    cells: dict[tuple[int, int, int], list[int]],
    additive: list[Measure],
    slugs: dict[int, str],
    by_force: dict[str, dict[str, int]],
    months: dict[str, dict[str, int]],
) -> list[str]:
    """Add (force, month) ``cells`` to the month and force tables; the months they hold."""
    keys = []
    for (force_id, year, month), counts in cells.items():
        key = f"{year:04d}-{month:02d}"
        keys.append(key)
        cell = months.get(key)
        if cell is None:
            cell = months[key] = dict.fromkeys(MONTHLY, 0)
        row = by_force.get(slugs.get(force_id))
        for ms, n in zip(additive, counts, strict=True):
            cell[ms.name] += n
            if row is not None:
                row[ms.name] += n
    return keys


def _count_people(
    model,
    field: str,
    people: list[Measure],
    as_at: date,
    slugs: dict[int, str],
    by_force: dict[str, dict[str, int]],
) -> None:
    """The distinct people of one table up to ``as_at``, into the force table (a count of
    people per month would not add up to theirs)."""
    on_time = Q(**{f"{field}__lte": as_at})
    rows = (
        model.objects.order_by()
        .values("force_id")
        .annotate(**{ms.name: ms.aggregate(on_time) for ms in people})
    )
    for row in rows:
        slug = slugs.get(row["force_id"])
        if slug is not None:
            for ms in people:
                by_force[slug][ms.name] = row[ms.name] or 0


def _month_rows(months: dict[str, dict[str, int]], first: str, as_at: date) -> list[dict]:
    """``by_month``: a row for every month from ``first`` to ``as_at``, empty ones too."""
    first_day = date.fromisoformat(f"{first}-01")
    return [
        {"month": key, **months.get(key, dict.fromkeys(MONTHLY, 0))}
        for key in months_between(first_day, as_at)
    ]


def help_seeking(as_at: date, region: str = "wales") -> dict[str, Any] | None:
    """The prevention service's before/after counts (already disclosure-controlled).

    None when the 12 months after launch had not ended by ``as_at`` (a figure
    for a period still running would count people after ``as_at``) or when
    the prevention service refuses the question.
    """
    from netsafe.prevention.aggregates import QueryRefused, before_after

    if as_at < year_after_launch()[1]:
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
    forces, months = tables(as_at)
    totals = {name: sum(row[name] for row in forces.values()) for name in BY_NAME}
    return {
        "operation": settings.NETSAFE_OPERATION["name"],
        "launched": launch_day().isoformat(),
        "as_at": as_at.isoformat(),
        "totals": totals,
        "by_force": forces,
        "by_month": months,
        "help_seeking": help_seeking(as_at) if with_help_seeking else None,
    }


# --- For the dashboard ----------------------------------------------------------------


def last_day_with_data(today: date | None = None) -> date | None:
    """The latest date on or before ``today`` (default: today) of any record a figure
    counts, or None when nothing is counted yet.

    The dashboard opens on this day: an operation that has ended (or a demo of
    one) shows its last figures, not years of empty months up to today.
    """
    today = today or timezone.localdate()
    days = [
        model.objects.filter(**{f"{field}__lte": today}).aggregate(last=Max(field))["last"]
        for model, field in by_table(MEASURES)
    ]
    return max((day for day in days if day is not None), default=None)


def trim_months(months: list[dict[str, Any]], names: Iterable[str]) -> list[dict[str, Any]]:
    """``by_month`` rows without the empty months before the first and after the last month
    with any of ``names`` counted (empty months between them stay: a month of nothing
    is a figure). The launch month is kept when it is inside the rows."""
    names = tuple(names)
    launch = month_key(launch_day())
    busy = [
        i for i, row in enumerate(months) if row["month"] == launch or any(row[n] for n in names)
    ]
    return months[busy[0] : busy[-1] + 1] if busy else []


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
        .values("force_id")
        .annotate(seized=Count("*"), awaiting=Count("pk", filter=awaiting))
    )
    slugs = dict(Force.objects.values_list("pk", "slug"))
    table = {}
    for row in rows:
        table[slugs[row["force_id"]]] = {
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
    # Counted by band alone, each state a filtered count: grouping by band and a state
    # worked out for every row sorted the whole table. "Received later" is a filter, not
    # a WHERE: on SQLite a WHERE on the received date makes it walk that index and fetch
    # each row, several times slower than reading the table through once.
    received = Q(received__lte=as_at)
    acted = received & Q(actioned__isnull=False, actioned__lte=as_at)
    not_acted = received & (Q(actioned__isnull=True) | Q(actioned__gt=as_at))
    counts = {
        row.pop("risk"): row
        for row in m.Referral.objects.exclude(risk="")
        .order_by()
        .values("risk")
        .annotate(
            counted=Count("pk", filter=received),
            acted=Count("pk", filter=acted),
            on_time=Count("pk", filter=acted & Q(actioned__lte=F("action_due"))),
            overdue=Count("pk", filter=not_acted & Q(action_due__lt=as_at)),
        )
    }
    rows = []
    for band in RiskBand:
        found = counts.get(band.value, {"counted": 0, "acted": 0, "on_time": 0, "overdue": 0})
        row = {
            "on_time": found["on_time"],
            "late": found["acted"] - found["on_time"],
            "overdue": found["overdue"],
            "waiting": found["counted"] - found["acted"] - found["overdue"],
        }
        row["total"] = found["counted"]
        acted_on = row["on_time"] + row["late"]
        row["percent_on_time"] = round(100 * row["on_time"] / acted_on) if acted_on else None
        rows.append(
            {"band": band.value, "label": str(band.label), "target_days": ACTION_DAYS[band]} | row
        )
    return rows
