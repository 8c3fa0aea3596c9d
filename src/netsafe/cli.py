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


@app.callback()
def _root() -> None:
    """NetSafe: casework, device triage, prevention and statistics for Operation NetSafe."""
    # A callback keeps `netsafe` a group of commands even when only one area is registered.


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


def _demo() -> None:
    from netsafe.demo import cli as demo_cli

    demo_cli.register(app)


def _platform() -> None:
    from netsafe import platform_cli

    platform_cli.register(app)


def _triage() -> None:
    from netsafe.triage.cli import app as triage_app

    app.add_typer(triage_app, name="triage")


def _hashsets() -> None:
    from netsafe.triage.hashsets.cli import app as hashsets_app

    app.add_typer(hashsets_app, name="hashsets")


def _returns() -> None:
    from netsafe.returns.cli import app as returns_app

    app.add_typer(returns_app, name="returns")


def _stats() -> None:
    from netsafe.stats.cli import register as register_stats

    register_stats(app)


def _examination() -> None:
    from netsafe.examination.cli import register as register_examination

    register_examination(app)


#: Which area brings each top-level command. Only the area of the command being run is
#: imported, because the triage stack (numpy, numba, PyAV) alone takes a second to import
#: and every other command would pay for it.
_AREAS = {
    "demo": _demo,
    "createuser": _platform,
    "audit": _platform,
    "triage": _triage,
    "hashsets": _hashsets,
    "returns": _returns,
    "stats": _stats,
    "triage-worker": _examination,
}


def _register(argv: list[str] | None = None) -> None:
    """Attach the sub-commands: the running command's area, or every area for help."""
    args = sys.argv[1:] if argv is None else argv
    command = next((a for a in args if not a.startswith("-")), None)
    if command == "serve":
        return
    areas = [_AREAS[command]] if command in _AREAS else list(dict.fromkeys(_AREAS.values()))
    for area in areas:
        area()


def main() -> None:
    """Entry point of the ``netsafe`` console script."""
    _register()
    try:
        app(prog_name="netsafe")
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
