"""The one ``netsafe`` command.

Each area of the domain owns its sub-commands in its own module and is
registered here. Commands that need the database call
:func:`netsafe.bootstrap.django_setup` first; ``netsafe triage`` never touches Django.
"""

from __future__ import annotations

import os
import sys

import typer

from netsafe.bootstrap import django_setup

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


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        0, min=0, help="Worker processes (0: one per core and one more, at most 9)."
    ),
    threads: int = typer.Option(
        1,
        min=1,
        help="Requests each worker serves at once (1: gunicorn's sync worker; more: threads "
        "that share the worker's core).",
    ),
    timeout: int = typer.Option(
        60, min=1, help="Seconds a request may run before its worker is restarted."
    ),
    keep_alive: int = typer.Option(
        0,
        min=0,
        help="Seconds an idle keep-alive connection stays open with --threads above 1 "
        "(0: close after each; the sync worker always does).",
    ),
    access_log: str | None = typer.Option(
        None,
        "--access-log",
        help="gunicorn's access log file ('-': standard output). Paths only, no query "
        "strings; the application logs one JSON line per request anyway.",
    ),
    dev: bool = typer.Option(
        False, "--dev", help="Django's auto-reloading development server instead (developers)."
    ),
) -> None:
    """Serve the web application with gunicorn (migrating the databases first)."""
    from netsafe.web import serving, startup

    if not dev:
        # Set before Django reads its settings: the workers inherit them.
        os.environ.setdefault(serving.POOL_ENV, str(threads))
    django_setup(migrate=True)
    from django.core.exceptions import ImproperlyConfigured

    try:
        startup.check()
    except ImproperlyConfigured as exc:
        typer.echo(f"netsafe serve: {exc}", err=True)
        raise typer.Exit(2) from None
    if dev:
        from django.core.management import call_command

        if os.environ.get("RUN_MAIN") != "true":  # once, not again in the reloader's child
            typer.echo(f"NetSafe (development server) is at http://{host}:{port}/ (Ctrl-C to stop)")
        # WhiteNoise (with finders) serves /static/ itself: runserver's own static handler
        # answered /static/../web/settings.py with a 500 (SuspiciousFileOperation).
        call_command(
            "runserver",
            f"{host}:{port}",
            use_reloader=True,
            use_threading=True,
            use_static_handler=False,
        )
        return
    options = serving.ServerOptions(
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        timeout=timeout,
        keepalive=keep_alive,
        access_log=access_log,
    )
    config = options.gunicorn_config()
    typer.echo(
        f"NetSafe is at http://{host}:{port}/ (gunicorn, {config['workers']} workers x "
        f"{threads} threads; Ctrl-C to stop)"
    )
    serving.close_connections()
    serving.run_production(options)


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
    "bank": _examination,
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
