"""``netsafe triage-worker``: run queued triage jobs of the web application; ``netsafe bank
export``: the operation bank of confirmed grades as a hash set."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def worker(
    job: Annotated[int | None, typer.Option("--job", help="Run this job (id) and stop.")] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the queued jobs there are, then stop.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", help="Seconds between looks at the queue.")
    ] = 2.0,
) -> None:
    """Run triage jobs queued from the exhibit pages (one job, or the queue as it fills)."""
    from netsafe.cli import django_setup

    django_setup()
    from netsafe.examination import jobs

    if job is not None:
        claimed = jobs.claim(job)
        if claimed is None:
            typer.echo(f"netsafe triage-worker: error: no unfinished triage job {job}", err=True)
            raise typer.Exit(2)
        _run(jobs, claimed)
        return
    while True:
        claimed = jobs.claim()
        if claimed is None:
            if once:
                return
            time.sleep(poll)
            continue
        _run(jobs, claimed)


def _run(jobs, job) -> None:
    typer.echo(f"triage job {job.pk}: {job.evidence} for {job.device.ref}")
    done = jobs.run(job)
    typer.echo(f"triage job {job.pk}: {done.status}{': ' + done.error if done.error else ''}")


bank_app = typer.Typer(
    help="The operation bank of confirmed grades.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@bank_app.command("export")
def bank_export(
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    user: Annotated[
        str,
        typer.Option(
            "--user", help="Who exports (a supervisor or examiner of a force): the audit log says."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="vics (VICS 2.0 JSON, UK category numbers) or csv.")
    ] = "vics",
) -> None:
    """Write the bank's agreed grades as a hash set `netsafe triage scan --hashset` reads."""
    from netsafe.cli import django_setup

    django_setup()
    from netsafe.accounts.models import User
    from netsafe.audit.context import audit_context
    from netsafe.examination import access, bank

    if fmt not in bank.FORMATS:
        typer.echo(f"netsafe bank export: error: --format is vics or csv, not {fmt!r}", err=True)
        raise typer.Exit(2)
    who = User.objects.filter(username=user).first()
    if who is None or not access.reads_bank(who):
        typer.echo(
            f"netsafe bank export: error: {user!r} is not an active supervisor or examiner "
            "of a force",
            err=True,
        )
        raise typer.Exit(2)
    if not out.parent.is_dir():
        typer.echo(f"netsafe bank export: error: folder {out.parent} does not exist", err=True)
        raise typer.Exit(2)
    with audit_context(user=who, actor="command: netsafe bank export"):
        n = bank.export(fmt, out, who, detail=f"operation bank as {fmt} to {out.name}")
    hint = ""
    if fmt == "vics":
        mapping = ",".join(f"{k}={v}" for k, v in bank.UK_VICS_CATEGORIES.items())
        hint = f" (read with --vics-categories {mapping})"
    typer.echo(f"{out}: {n} pictures{hint}")


def register(app: typer.Typer) -> None:
    """Add ``triage-worker`` and ``bank`` to the ``netsafe`` command."""
    app.command("triage-worker")(worker)
    app.add_typer(bank_app, name="bank")
