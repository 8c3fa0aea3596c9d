"""``netsafe stats``: the figures as JSON, for the public, as press lines, or as a report."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from netsafe.cli import django_setup


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


#: The flags of :func:`stats` that a plain command line may give, by option name.
_PLAIN_FLAGS = {"--json": "as_json", "--public": "public", "--press": "press"}


def plain_arguments(args: list[str]) -> dict | None:
    """The keyword arguments of :func:`stats` for a plain command line, or None.

    A plain command line gives only ``--json``, ``--public``, ``--press`` and at
    most one ``--as-at`` with a valid date: what ``netsafe stats`` is run with
    from scripts and cron, every run. Anything else (``--report``, ``--help``,
    a bad date, an unknown option) is None, and the command-line parser reads
    it as always, with its help and error messages.
    """
    kwargs: dict = {}
    rest = iter(args)
    for arg in rest:
        if arg in _PLAIN_FLAGS:
            kwargs[_PLAIN_FLAGS[arg]] = True
            continue
        if arg == "--as-at":
            value = next(rest, None)
        elif arg.startswith("--as-at="):
            value = arg.removeprefix("--as-at=")
        else:
            return None
        if value is None or "as_at" in kwargs:
            return None
        try:
            _as_at(value)
        except typer.BadParameter:
            return None
        kwargs["as_at"] = value
    return kwargs


def run_plain(args: list[str]) -> bool:
    """Run ``netsafe stats ARGS`` directly when ``args`` is a plain command line.

    The same :func:`stats` runs with the same arguments; only the
    command-line parser is left out, because it converts every option's value
    through pydantic, whose import alone cost a tenth of the whole command (a
    quarter as much as Django's start-up). Returns False (having done nothing)
    for any other command line.
    """
    kwargs = plain_arguments(args)
    if kwargs is None:
        return False
    try:
        stats(**kwargs)
    except KeyboardInterrupt:
        sys.exit(130)  # as the parser's commands end on Ctrl-C: quietly, status 130
    except BrokenPipeError:
        # Printing into a pipe whose reader has stopped (``| head``): like the parser's
        # commands, status 1 and no traceback (nor a second error as Python exits).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True


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
