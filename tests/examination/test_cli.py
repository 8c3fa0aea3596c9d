"""``netsafe triage-worker``: runs queued jobs, or the one it is given."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from netsafe.examination import cli, jobs
from netsafe.examination.models import JobStatus, TriageJob

pytestmark = pytest.mark.django_db


def _app() -> typer.Typer:
    app = typer.Typer()
    cli.register(app)
    app.command("noop", hidden=True)(lambda: None)  # two commands: the name is required
    return app


def test_the_worker_runs_the_queue_once(store, exhibit, examiner):
    job = jobs.queue(exhibit, "JS-1-laptop", examiner)
    result = CliRunner().invoke(_app(), ["triage-worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"triage job {job.pk}: done" in result.output
    assert TriageJob.objects.get().status == JobStatus.DONE


def test_the_worker_refuses_a_job_that_is_not_there(store):
    result = CliRunner().invoke(_app(), ["triage-worker", "--job", "999"])
    assert result.exit_code == 2
    assert "no unfinished triage job 999" in result.output
