"""Everything the dashboard and the operation report show, built once for both."""

from __future__ import annotations

from datetime import date
from typing import Any

from netsafe.accounts.models import Force
from netsafe.casework.figures import HEADLINE
from netsafe.examination.figures import device_figures_by_force
from netsafe.examination.models import Grade
from netsafe.web.charts import Chart, Series, bar_chart, line_chart

from . import disclosure, evaluation, figures, press

#: The measures of the monthly activity charts (the headline, the per-force comparison
#: and the public table show :data:`~netsafe.casework.figures.HEADLINE`).
ACTIVITY = ("warrants_executed", "arrests", "devices_seized")


def _label(name: str) -> str:
    return figures.BY_NAME[name].label


def _triage_cells(row: dict) -> dict[str, Any]:
    """One row of the triage results table: devices with matches, matched files in A, B
    and C (hash-set matches, unconfirmed) and images confirmed by examiners per grade."""
    matched = row["matched_by_category"]
    return {
        "triaged": row["triaged"],
        "with_matches": row["with_matches"],
        "matched": [matched.get(label, 0) for label in ("A", "B", "C")],
        "confirmed": [row["confirmed_by_category"].get(g.value, 0) for g in Grade],
    }


def context(as_at: date) -> dict[str, Any]:
    """The figures, tables, charts and words for ``as_at`` (true counts: police eyes only,
    except ``public`` and ``press``, which have been through disclosure control)."""
    stats = figures.compute(as_at)
    names = dict(Force.objects.values_list("slug", "name"))
    # Leading and trailing empty months say nothing and crowd the charts and the table.
    months = figures.trim_months(stats["by_month"], ACTIVITY)
    labels = [row["month"] for row in months]
    launch_key = figures.month_key(figures.launched())
    launch_index = labels.index(launch_key) if launch_key in labels else None
    marker = (launch_index, "Launch") if launch_index is not None else None
    running = figures.cumulative(months, ACTIVITY)
    by_force_rows = [
        {"slug": slug, "name": names.get(slug, slug), **row}
        for slug, row in stats["by_force"].items()
    ]
    backlog = figures.devices_backlog(as_at)
    backlog_rows = [
        {
            "name": names.get(slug, slug),
            **backlog.get(slug, {"seized": 0, "triaged": 0, "awaiting": 0}),
        }
        for slug in stats["by_force"]
    ]
    backlog_total = {k: sum(r[k] for r in backlog_rows) for k in ("seized", "triaged", "awaiting")}
    triage_rows = [
        {"name": names.get(slug, slug), **_triage_cells(row)}
        for slug, row in device_figures_by_force(as_at).items()
    ]
    # The operation's row is the sum of the forces' (every device has a force).
    triage_total = {
        key: (
            [sum(cells) for cells in zip(*(r[key] for r in triage_rows), strict=True)]
            if key in ("matched", "confirmed")
            else sum(r[key] for r in triage_rows)
        )
        for key in ("triaged", "with_matches", "matched", "confirmed")
    }
    action_rows = figures.time_to_action(as_at)
    public = disclosure.public(stats)
    force_names = [r["name"] for r in by_force_rows]
    charts = {
        "cumulative": line_chart(
            Chart(
                "chart-cumulative",
                "Warrants executed, arrests and devices seized since launch (cumulative)",
                f"Running totals by month from {labels[0] if labels else '-'} to "
                f"{labels[-1] if labels else '-'}: "
                + ", ".join(
                    f"{_label(n).lower()} {running[n][-1] if labels else 0:,}" for n in ACTIVITY
                )
                + ". The table below gives every month.",
                labels,
                [Series(_label(n), running[n]) for n in ACTIVITY],
                marker,
            )
        ),
        "monthly": bar_chart(
            Chart(
                "chart-monthly",
                "Monthly activity: warrants executed, arrests and devices seized",
                "Counts in each month; the busiest month for devices was "
                + (max(months, key=lambda r: r["devices_seized"])["month"] if months else "-")
                + ". The table below gives every month.",
                labels,
                [Series(_label(n), [row[n] for row in months]) for n in ACTIVITY],
                marker,
            )
        ),
        "forces": bar_chart(
            Chart(
                "chart-forces",
                "Per-force comparison",
                "Warrants executed, people arrested, devices seized and children safeguarded by "
                "each force; the table beside it gives the numbers.",
                force_names,
                [Series(_label(n), [r[n] for r in by_force_rows]) for n in HEADLINE],
            )
        ),
        "backlog": bar_chart(
            Chart(
                "chart-backlog",
                "Devices backlog by force: triaged and awaiting triage",
                f"Of {backlog_total['seized']:,} devices seized, {backlog_total['triaged']:,} have "
                f"been triaged and {backlog_total['awaiting']:,} await triage.",
                force_names,
                [
                    Series("Triaged", [r["triaged"] for r in backlog_rows]),
                    Series("Awaiting triage", [r["awaiting"] for r in backlog_rows]),
                ],
            )
        ),
        "action": bar_chart(
            Chart(
                "chart-action",
                "Time from referral to action against the risk-band targets",
                "Referrals in each risk band acted on within the target, late, or still waiting "
                "past the target.",
                [
                    f"{r['label']} ({r['target_days']} day{'s' if r['target_days'] != 1 else ''})"
                    for r in action_rows
                ],
                [
                    Series("Within target", [r["on_time"] for r in action_rows]),
                    Series("Late", [r["late"] for r in action_rows]),
                    Series("Waiting, overdue", [r["overdue"] for r in action_rows]),
                ],
            )
        ),
    }
    ev = None
    if stats["help_seeking"] is not None:
        ev = evaluation.evaluate(stats["help_seeking"]["region"], stats["help_seeking"])
        if ev.series is not None:
            s = ev.series
            its_labels = [figures.month_key(mo) for mo in s.months]
            charts["help_seeking"] = line_chart(
                Chart(
                    "chart-help-seeking",
                    "People seeking help each month, before and after launch",
                    "Monthly counts of people from the region who used the helpline or self-help "
                    "(points), the fitted segmented regression (solid line) and the pre-launch "
                    "trend carried on (dashed); the dotted line marks the launch.",
                    its_labels,
                    [
                        Series("People seeking help", s.counts, "points"),
                        Series("Fitted", s.fitted),
                        Series("Trend before launch, carried on", s.counterfactual, "dashed"),
                    ],
                    (s.launch_index, "Launch"),
                )
            )
    public_totals = public["totals"]
    return {
        "as_at": as_at,
        "stats": stats,
        "headline": [(_label(n), stats["totals"][n]) for n in HEADLINE],
        "secondary": [(_label(n), v) for n, v in stats["totals"].items() if n not in HEADLINE],
        "measures": [_label(n) for n in HEADLINE],
        "monthly_measures": [_label(n) for n in ACTIVITY],
        "by_force": [{"name": r["name"], "cells": [r[n] for n in HEADLINE]} for r in by_force_rows],
        "by_force_total": [stats["totals"][n] for n in HEADLINE],
        "months": [
            {
                "month": row["month"],
                "cells": [row[n] for n in ACTIVITY],
                "running": [running[n][i] for n in ACTIVITY],
            }
            for i, row in enumerate(months)
        ],
        "backlog": backlog_rows,
        "backlog_total": backlog_total,
        "triage_grades": [g.label for g in Grade],
        "triage_rows": triage_rows,
        "triage_total": triage_total,
        "action": action_rows,
        "public": public,
        "public_rows": [
            {
                "name": names.get(slug, slug),
                "cells": [(row[n], disclosure.percent(row[n], public_totals[n])) for n in HEADLINE],
            }
            for slug, row in public["by_force"].items()
        ],
        "public_total": [public_totals[n] for n in HEADLINE],
        "press": press.press_lines(stats),
        "evaluation": ev,
        "help_months": (
            list(
                zip(
                    ev.series.months,
                    ev.series.counts,
                    ev.series.fitted,
                    ev.series.counterfactual,
                    strict=True,
                )
            )
            if ev is not None and ev.series is not None
            else []
        ),
        "charts": charts,
    }
