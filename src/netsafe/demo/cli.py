"""``netsafe demo``: create the databases, load the demo and say how to log in."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from netsafe.bootstrap import django_setup


def demo(
    scale: Annotated[
        int, typer.Option(min=1, help="Copies of the operation to load (benchmarks use 100).")
    ] = 1,
    host: Annotated[str, typer.Option(help="Where `netsafe serve` will listen (for the URL).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port `netsafe serve` will use (for the URL).")] = 8000,
    server_starts: Annotated[
        bool,
        typer.Option(
            "--server-starts",
            help="The server and the triage worker are started right after (as `make demo` "
            "does): say so, instead of how to start them.",
        ),
    ] = False,
    evidence: Annotated[
        bool,
        typer.Option(
            help="Also fill the evidence store with generated benign evidence and a demo "
            "hash set, for trying triage."
        ),
    ] = True,
) -> None:
    """Load the synthetic Operation NetSafe and the demo users (loading twice changes nothing)."""
    django_setup(migrate=True)
    from netsafe.demo.evidence import load_evidence
    from netsafe.demo.loading import load
    from netsafe.demo.operation import END, START
    from netsafe.demo.users import FORCE_ROLES, FORCES, DemoError, password_source

    try:
        summary = load(scale=scale)
    except DemoError as exc:
        typer.echo(f"netsafe demo: {exc}", err=True)
        raise typer.Exit(2) from None
    created = sum(summary["created"].values())
    if created:
        typer.echo(f"Operation NetSafe {START:%-d %B %Y} to {END:%-d %B %Y}: {created} records.")
    else:
        typer.echo("The demo was already loaded: nothing new was written.")
    if summary["alerts"]:
        typer.echo(f"Deconfliction raised {summary['alerts']} alerts between forces.")
    if evidence:
        typer.echo(evidence_help(load_evidence(sys.stdout), host, port))
    typer.echo(login_help(host, port, FORCES, [str(r) for r in FORCE_ROLES], password_source()))
    typer.echo(serve_help(host, port, server_starts=server_starts))


def evidence_help(summary: dict, host: str, port: int) -> str:
    """Where the demo evidence is and which device each item is for."""
    from django.urls import reverse

    lines = [
        "",
        f"Evidence to triage, in {summary['root']} (NETSAFE_EVIDENCE_ROOT), one item per device:",
    ]
    for kind, spec in summary["items"].items():
        if kind in summary["skipped"]:
            continue
        url = reverse("casework:device-detail", kwargs={"pk": spec["device"]})
        lines.append(f"  {spec['item']}: exhibit {spec['exhibit']}, http://{host}:{port}{url}")
    lines.append(
        f"Triage from the pages matches them against the demo hash set {summary['hashset']} "
        "(used when NETSAFE_HASHSETS names none)."
    )
    return "\n".join(lines)


def login_help(host: str, port: int, forces, roles, password: str) -> str:
    """How to log in to the demo, for a newcomer."""
    return "\n".join(
        [
            "",
            f"Log in at http://{host}:{port}/accounts/login/",
            "Users: FORCE-ROLE for each force and role, for example south-wales-officer,",
            f"  forces: {', '.join(forces)}",
            f"  roles: {', '.join(roles)}",
            "  and operation-lead (reads every force's cases), operation-analyst (figures only),",
            "  admin (users and forces, the admin site at /admin/);",
            "  the charity: helpline-handler, helpline-supervisor, charity-analyst.",
            f"Password: {password}",
        ]
    )


def serve_help(host: str, port: int, *, server_starts: bool) -> str:
    """What happens next: the server starting now (``make demo``), or how to start it."""
    if server_starts:
        return (
            f"\nStarting the server (gunicorn) at http://{host}:{port}/ and the triage worker: "
            "log in once it answers; Ctrl-C stops both."
        )
    from django.conf import settings

    # Without a secret of its own the server refuses to start unless NETSAFE_ENV says
    # development (netsafe.web.serving.problems).
    env = "NETSAFE_ENV=development " if settings.USING_DEVELOPMENT_SECRET else ""
    return "\n".join(
        [
            "",
            "Nothing is serving these pages yet. Start the server:",
            f"  {env}netsafe serve --host {host} --port {port}",
            "and, to run triage from the device pages, the triage worker beside it:",
            f"  {env}netsafe triage-worker",
            "(`make demo` loads the demo and starts both.)",
        ]
    )


def register(app: typer.Typer) -> None:
    """Attach ``demo`` to the ``netsafe`` command."""
    app.command("demo")(demo)
