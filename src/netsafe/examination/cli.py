"""``netsafe triage-worker``: run queued triage jobs of the web application."""

from __future__ import annotations

import time
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
    from netsafe.bootstrap import django_setup

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


def register(app: typer.Typer) -> None:
    """Add ``triage-worker`` to the ``netsafe`` command."""
    app.command("triage-worker")(worker)
