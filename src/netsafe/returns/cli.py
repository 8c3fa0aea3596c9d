"""``netsafe returns import`` and ``netsafe returns export``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from netsafe.bootstrap import django_setup

app = typer.Typer(help="Operation returns: each force's records in and out.", no_args_is_help=True)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Return files (JSON Lines).")],
    replace_on_screen: Annotated[
        bool,
        typer.Option(
            "--replace-on-screen",
            help="Replace records entered on the pages (otherwise their lines are refused).",
        ),
    ] = False,
) -> None:
    """Import returns, all or nothing per file; exit 2 if any file was rejected."""
    django_setup(migrate=True)
    from netsafe.audit.context import audit_context

    from .importer import import_return

    rejected = 0
    for path in files:
        try:
            # Read line by line: a hostile line is refused without being held whole.
            with (
                path.open("rb") as content,
                audit_context(actor=f"command: netsafe returns import ({_os_user()})"),
            ):
                result = import_return(content, str(path), replace_on_screen=replace_on_screen)
        except OSError as exc:
            typer.echo(f"{path}: cannot read: {exc.strerror}", err=True)
            rejected += 1
            continue
        if not result.ok:
            rejected += 1
            problems = result.checked.report()
            typer.echo(f"{path}: rejected, nothing stored ({len(problems)} problems):", err=True)
            for line in problems:
                typer.echo(f"{line}", err=True)
            continue
        typer.echo(f"{path}: imported")
        for line in result.summary():
            typer.echo(f"  {line}")
    if rejected:
        raise typer.Exit(2)


@app.command("export")
def export(
    force: Annotated[str, typer.Option("--force", help="The force's slug, e.g. gwent.")],
    out: Annotated[Path, typer.Option("--out", help="The return file to write (JSON Lines).")],
) -> None:
    """Write every record of one force as a return."""
    django_setup(migrate=True)
    from netsafe.accounts.models import Force
    from netsafe.audit import record
    from netsafe.audit.context import audit_context

    from .exporter import export_force

    found = Force.objects.filter(slug=force).first()
    if found is None:
        known = ", ".join(Force.objects.values_list("slug", flat=True))
        typer.echo(f"netsafe returns export: unknown force {force!r}: one of {known}", err=True)
        raise typer.Exit(2)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        result = export_force(found, handle)
    partial.replace(out)  # a reader never sees half a return
    with audit_context(actor=f"command: netsafe returns export ({_os_user()})"):
        record("returns export", found, detail=f"{out}: {result.written}")
    total = sum(result.written.values())
    typer.echo(f"{out}: {total} records of {found.name}")
    for kind, n in result.written.items():
        typer.echo(f"  {kind}: {n}")
    for why in result.left_out:
        typer.echo(f"  left out: {why}", err=True)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"
