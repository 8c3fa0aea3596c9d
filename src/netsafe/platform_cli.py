"""``netsafe createuser`` and ``netsafe audit verify``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from netsafe.cli import django_setup

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)


def createuser(
    username: Annotated[str, typer.Argument(help="The new user's log-in name.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="A role (repeat for several): officer, supervisor, ..."),
    ],
    force: Annotated[
        str | None,
        typer.Option("--force", help="The force's slug, e.g. south-wales (none: operation-wide)."),
    ] = None,
    email: Annotated[str, typer.Option("--email", help="E-mail address.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
) -> None:
    """Create a user of a force with one or more roles (the password is asked for)."""
    django_setup(migrate=True)
    from netsafe.accounts.services import AccountError, create_user
    from netsafe.audit.context import audit_context

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with audit_context(actor="command: netsafe createuser"):
            user = create_user(username, force, role, password, email=email)
    except AccountError as exc:
        typer.echo(f"netsafe createuser: {exc}", err=True)
        raise typer.Exit(2) from None
    where = user.force.name if user.force else "no force"
    typer.echo(f"Created {user.username} ({where}; roles: {', '.join(sorted(user.roles))}).")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain of the audit log; exit 1 at the first broken link."""
    django_setup(migrate=False)
    from netsafe.audit.chain import verify

    result = verify()
    if result.ok:
        typer.echo(f"Audit log intact: {result.checked} entries, every link verified.")
        return
    typer.echo(
        f"AUDIT LOG ALTERED: {result.problem}. {result.checked} entries before it verified.",
        err=True,
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``createuser`` and ``audit`` to the ``netsafe`` command."""
    app.command("createuser")(createuser)
    app.add_typer(audit_app, name="audit")
