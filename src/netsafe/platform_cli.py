"""``netsafe createuser``, ``netsafe audit verify`` and ``netsafe audit checkpoint``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from netsafe.bootstrap import django_setup

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
    """Walk the hash chain of the audit log and check it against every signed checkpoint.

    Exits 1 at the first broken link, or naming the first checkpoint the log no
    longer matches (shorter than it, or its entry's hash differs).
    """
    django_setup(migrate=False)
    from netsafe.audit import checkpoint
    from netsafe.audit.chain import verify

    result = verify()
    if not result.ok:
        typer.echo(
            f"AUDIT LOG ALTERED: {result.problem}. {result.checked} entries before it verified.",
            err=True,
        )
        raise typer.Exit(1)
    anchored = checkpoint.verify()
    if not anchored.ok:
        typer.echo(f"AUDIT LOG ALTERED: {anchored.problem}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Audit log intact: {result.checked} entries, every link verified.")
    if anchored.newest is None:
        typer.echo(
            f"No checkpoints in {checkpoint.checkpoints_path()}: run `netsafe audit checkpoint` "
            "so that removing the newest entries can be detected."
        )
    else:
        typer.echo(
            f"{anchored.checked} signed checkpoints match; the newest, of {anchored.newest.at}, "
            f"is at entry #{anchored.newest.seq}."
        )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain head and append it to the checkpoint file (run it from a timer too).

    The key is NETSAFE_AUDIT_KEY, else NETSAFE_VAR/audit-signing-key.pem (made on first
    use, mode 0600); the file is NETSAFE_AUDIT_CHECKPOINTS, else
    NETSAFE_VAR/audit-checkpoints.jsonl. Copy that file to write-once storage or
    another machine: `netsafe audit verify` checks the log against every line.
    """
    django_setup(migrate=False)
    from netsafe.audit import checkpoint

    try:
        record = checkpoint.take()
    except (checkpoint.CheckpointError, OSError) as exc:
        typer.echo(f"netsafe audit checkpoint: {exc}", err=True)
        raise typer.Exit(2) from None
    if record is None:
        typer.echo("The audit log is empty: nothing to sign.")
        return
    typer.echo(
        f"Checkpoint at entry #{record['seq']} signed by key {record['key_id']} "
        f"and appended to {checkpoint.checkpoints_path()}."
    )


def register(app: typer.Typer) -> None:
    """Attach ``createuser`` and ``audit`` to the ``netsafe`` command."""
    app.command("createuser")(createuser)
    app.add_typer(audit_app, name="audit")
