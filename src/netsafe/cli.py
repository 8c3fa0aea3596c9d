"""The one ``netsafe`` command.

Each area of the domain owns its sub-commands in its own module and is
registered here. Commands that need the database call :func:`django_setup`
first; ``netsafe triage`` never touches Django.
"""

from __future__ import annotations

import os
import sys

import typer

app = typer.Typer(
    name="netsafe",
    help="NetSafe: casework, device triage, prevention and statistics for Operation NetSafe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def django_setup(migrate: bool = False) -> None:
    """Configure Django for a command; with ``migrate``, create or update the databases."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netsafe.web.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        for db in ("default", "prevention"):
            call_command("migrate", database=db, interactive=False, verbosity=0)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the web application (migrating the databases first)."""
    django_setup(migrate=True)
    from django.core.management import call_command

    typer.echo(f"NetSafe is at http://{host}:{port}/ (Ctrl-C to stop)")
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)


def _register() -> None:
    """Attach each area's sub-commands (imported here so ``--help`` stays fast)."""
    from netsafe.demo import cli as demo_cli

    demo_cli.register(app)
    from netsafe import platform_cli

    platform_cli.register(app)
    from netsafe.triage.cli import app as triage_app

    app.add_typer(triage_app, name="triage")
    from netsafe.returns.cli import app as returns_app

    app.add_typer(returns_app, name="returns")
    from netsafe.stats.cli import register as register_stats

    register_stats(app)
    from netsafe.examination.cli import register as register_examination

    register_examination(app)


def main() -> None:
    """Entry point of the ``netsafe`` console script."""
    _register()
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
