"""Everything the dashboard and the operation report show, built once for both."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.safestring import SafeString

from netsafe.accounts.models import Force
from netsafe.casework.figures import HEADLINE
from netsafe.examination.figures import device_figures_by_force
from netsafe.examination.models import Grade
from netsafe.periods import launch_day
from netsafe.web.charts import Chart, Series, bar_chart, line_chart

from . import disclosure, evaluation, figures, press

#: The measures of the monthly activity charts (the headline, the per-force comparison
#: and the public table show :data:`~netsafe.casework.figures.HEADLINE`).
ACTIVITY = ("warrants_executed", "arrests", "devices_seized")
#: The categories the triage table counts hash-set matches in: the grades that are
#: offences (A, B, C), so a category is defined once, by :class:`Grade`.
MATCHED_CATEGORIES = tuple(g.value for g in Grade if g != Grade.NON_PERTINENT)


def _label(name: str) -> str:
    return figures.BY_NAME[name].label


def _triage_cells(row: dict) -> dict[str, Any]:
    """One row of the triage results table: devices with matches, matched files in A, B
    and C (hash-set matches, unconfirmed) and images confirmed by examiners per grade."""
    matched = row["matched_by_category"]
    return {
        "triaged": row["triaged"],
        "with_matches": row["with_matches"],
        "matched": [matched.get(label, 0) for label in MATCHED_CATEGORIES],
        "confirmed": [row["confirmed_by_category"].get(g.value, 0) for g in Grade],
    }


#: What a section builder gives: its entries of the page's context, and its charts.
Section = tuple[dict[str, Any], dict[str, SafeString]]


def context(as_at: date) -> dict[str, Any]:
    """The figures, tables, charts and words for ``as_at`` (true counts: police eyes only,
    except ``public`` and ``press``, which have been through disclosure control).

    One builder per section of the page, in the page's order.
    """
    stats = figures.compute(as_at)
    names = dict(Force.objects.values_list("slug", "name"))
    sections = (
        _headline(stats),
        _activity(stats),
        _forces(stats, names),
        _backlog(as_at, stats, names),
        _triage(as_at, names),
        _time_to_action(as_at),
        _public(stats, names),
        _help_seeking(stats),
    )
    out: dict[str, Any] = {"as_at": as_at, "stats": stats, "press": press.press_lines(stats)}
    charts: dict[str, SafeString] = {}
    for entries, drawn in sections:
        out.update(entries)
        charts.update(drawn)
    out["charts"] = charts
    return out


def _headline(stats: dict[str, Any]) -> Section:
    """The headline figures, and the others under them."""
    totals = stats["totals"]
    return {
        "headline": [(_label(n), totals[n]) for n in HEADLINE],
        "secondary": [(_label(n), v) for n, v in totals.items() if n not in HEADLINE],
        "measures": [_label(n) for n in HEADLINE],
    }, {}


def _activity(stats: dict[str, Any]) -> Section:
    """Warrants, arrests and devices by month: running totals and monthly counts."""
    # Leading and trailing empty months say nothing and crowd the charts and the table.
    months = figures.trim_months(stats["by_month"], ACTIVITY)
    labels = [row["month"] for row in months]
    launch_key = figures.month_key(launch_day())
    marker = (labels.index(launch_key), "Launch") if launch_key in labels else None
    running = figures.cumulative(months, ACTIVITY)
    cumulative = Chart(
        "chart-cumulative",
        "Warrants executed, arrests and devices seized since launch (cumulative)",
        f"Running totals by month from {labels[0] if labels else '-'} to "
        f"{labels[-1] if labels else '-'}: "
        + ", ".join(f"{_label(n).lower()} {running[n][-1] if labels else 0:,}" for n in ACTIVITY)
        + ". The table below gives every month.",
        labels,
        [Series(_label(n), running[n]) for n in ACTIVITY],
        marker,
    )
    busiest = max(months, key=lambda r: r["devices_seized"])["month"] if months else "-"
    monthly = Chart(
        "chart-monthly",
        "Monthly activity: warrants executed, arrests and devices seized",
        f"Counts in each month; the busiest month for devices was {busiest}. "
        "The table below gives every month.",
        labels,
        [Series(_label(n), [row[n] for row in months]) for n in ACTIVITY],
        marker,
    )
    rows = [
        {
            "month": row["month"],
            "cells": [row[n] for n in ACTIVITY],
            "running": [running[n][i] for n in ACTIVITY],
        }
        for i, row in enumerate(months)
    ]
    return {"monthly_measures": [_label(n) for n in ACTIVITY], "months": rows}, {
        "cumulative": line_chart(cumulative),
        "monthly": bar_chart(monthly),
    }


def _forces(stats: dict[str, Any], names: dict[str, str]) -> Section:
    """The headline figures force by force."""
    rows = [{"name": names.get(slug, slug), **row} for slug, row in stats["by_force"].items()]
    chart = Chart(
        "chart-forces",
        "Per-force comparison",
        "Warrants executed, people arrested, devices seized and children safeguarded by "
        "each force; the table beside it gives the numbers.",
        [r["name"] for r in rows],
        [Series(_label(n), [r[n] for r in rows]) for n in HEADLINE],
    )
    return {
        "by_force": [{"name": r["name"], "cells": [r[n] for n in HEADLINE]} for r in rows],
        "by_force_total": [stats["totals"][n] for n in HEADLINE],
    }, {"forces": bar_chart(chart)}


def _backlog(as_at: date, stats: dict[str, Any], names: dict[str, str]) -> Section:
    """Devices seized, triaged and awaiting triage, force by force."""
    backlog = figures.devices_backlog(as_at)
    empty = {"seized": 0, "triaged": 0, "awaiting": 0}
    rows = [
        {"name": names.get(slug, slug), **backlog.get(slug, empty)} for slug in stats["by_force"]
    ]
    total = {k: sum(r[k] for r in rows) for k in empty}
    chart = Chart(
        "chart-backlog",
        "Devices backlog by force: triaged and awaiting triage",
        f"Of {total['seized']:,} devices seized, {total['triaged']:,} have "
        f"been triaged and {total['awaiting']:,} await triage.",
        [r["name"] for r in rows],
        [
            Series("Triaged", [r["triaged"] for r in rows]),
            Series("Awaiting triage", [r["awaiting"] for r in rows]),
        ],
    )
    return {"backlog": rows, "backlog_total": total}, {"backlog": bar_chart(chart)}


def _triage(as_at: date, names: dict[str, str]) -> Section:
    """What triage found, force by force: matches by category and examiners' grades."""
    rows = [
        {"name": names.get(slug, slug), **_triage_cells(row)}
        for slug, row in device_figures_by_force(as_at).items()
    ]
    # The operation's row is the sum of the forces' (every device has a force).
    total = {
        key: (
            [sum(cells) for cells in zip(*(r[key] for r in rows), strict=True)]
            if key in ("matched", "confirmed")
            else sum(r[key] for r in rows)
        )
        for key in ("triaged", "with_matches", "matched", "confirmed")
    }
    return {
        "triage_categories": MATCHED_CATEGORIES,
        "triage_grades": [g.label for g in Grade],
        "triage_rows": rows,
        "triage_total": total,
    }, {}


def _time_to_action(as_at: date) -> Section:
    """Referrals acted on within their risk band's target, late, or still waiting."""
    rows = figures.time_to_action(as_at)
    chart = Chart(
        "chart-action",
        "Time from referral to action against the risk-band targets",
        "Referrals in each risk band acted on within the target, late, or still waiting "
        "past the target.",
        [
            f"{r['label']} ({r['target_days']} day{'s' if r['target_days'] != 1 else ''})"
            for r in rows
        ],
        [
            Series("Within target", [r["on_time"] for r in rows]),
            Series("Late", [r["late"] for r in rows]),
            Series("Waiting, overdue", [r["overdue"] for r in rows]),
        ],
    )
    return {"action": rows}, {"action": bar_chart(chart)}


def _public(stats: dict[str, Any], names: dict[str, str]) -> Section:
    """The figures as they may be published: through disclosure control."""
    public = disclosure.public(stats)
    totals = public["totals"]
    rows = [
        {
            "name": names.get(slug, slug),
            "cells": [(row[n], disclosure.percent(row[n], totals[n])) for n in HEADLINE],
        }
        for slug, row in public["by_force"].items()
    ]
    return {
        "public": public,
        "public_rows": rows,
        "public_total": [totals[n] for n in HEADLINE],
    }, {}


def _help_seeking(stats: dict[str, Any]) -> Section:
    """The evaluation of help-seeking before and after launch (once its year has ended)."""
    if stats["help_seeking"] is None:
        return {"evaluation": None, "help_months": []}, {}
    ev = evaluation.evaluate(stats["help_seeking"]["region"], stats["help_seeking"])
    s = ev.series
    if s is None:
        return {"evaluation": ev, "help_months": []}, {}
    chart = Chart(
        "chart-help-seeking",
        "People seeking help each month, before and after launch",
        "Monthly counts of people from the region who used the helpline or self-help "
        "(points), the fitted segmented regression (solid line) and the pre-launch "
        "trend carried on (dashed); the dotted line marks the launch.",
        [figures.month_key(mo) for mo in s.months],
        [
            Series("People seeking help", s.counts, "points"),
            Series("Fitted", s.fitted),
            Series("Trend before launch, carried on", s.counterfactual, "dashed"),
        ],
        (s.launch_index, "Launch"),
    )
    # A month the prevention side suppressed (None) is shown as such.
    shown = [disclosure.SUPPRESSED if n is None else n for n in s.counts]
    months = list(zip(s.months, shown, s.fitted, s.counterfactual, strict=True))
    return {"evaluation": ev, "help_months": months}, {"help_seeking": line_chart(chart)}
