"""``netsafe stats``: the figures as JSON, for the public, as press lines, or as a report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from netsafe.bootstrap import django_setup


def _as_at(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


def stats(
    as_at: Annotated[
        str | None,
        typer.Option("--as-at", help="Count what had happened by this date (YYYY-MM-DD)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as one JSON object.")
    ] = False,
    public: Annotated[
        bool,
        typer.Option("--public", help="Apply disclosure control: what may leave the operation."),
    ] = False,
    press: Annotated[
        bool, typer.Option("--press", help="Print the figures as press sentences.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write the operation report as PDF to this file."),
    ] = None,
) -> None:
    """The operation's figures: warrants, arrests, devices, children, help-seeking."""
    day = _as_at(as_at)
    django_setup(migrate=False)
    from netsafe.audit import record
    from netsafe.audit.context import audit_context

    from . import disclosure, figures
    from . import press as press_module

    figures_now = figures.compute(day)
    shown = disclosure.public(figures_now) if public else figures_now
    if report is not None:
        from .report import render_pdf

        report.write_bytes(render_pdf(day))
        typer.echo(f"{report}: operation report as at {figures_now['as_at']}")
    if press:
        for line in press_module.press_lines(figures_now):
            typer.echo(line)
    if as_json:
        typer.echo(json.dumps(shown, indent=2))
    if not (press or as_json or report):
        typer.echo(summary(shown))
    with audit_context(actor="command: netsafe stats"):
        what = "public" if public else "press" if press else "figures"
        record("stats", detail=f"{what} as at {figures_now['as_at']}")


def summary(shown: dict) -> str:
    """The figures as a short plain-text table."""
    from .figures import BY_NAME
    from .press import REGION_NAMES

    lines = [
        f"Operation {shown['operation']}, launched {shown['launched']}, as at {shown['as_at']}"
    ]
    width = max(len(m.label) for m in BY_NAME.values())
    for name, value in shown["totals"].items():
        shown_value = f"{value:,}" if isinstance(value, int) else value
        lines.append(f"  {BY_NAME[name].label:<{width}}  {shown_value:>8}")
    help_seeking = shown.get("help_seeking")
    if help_seeking:
        region = REGION_NAMES.get(help_seeking["region"], help_seeking["region"])
        lines.append(
            f"  People from {region} seeking help: {help_seeking['after']} in the "
            f"12 months after launch, {help_seeking['before']} in the 12 months before"
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Attach ``stats`` to the ``netsafe`` command."""
    app.command("stats")(stats)
