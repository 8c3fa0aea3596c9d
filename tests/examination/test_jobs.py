"""Queue -> run (in the test process, through the worker's functions) -> report attached."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netsafe.audit.models import AuditEntry
from netsafe.casework.choices import ForensicStatus
from netsafe.examination import evidence, jobs
from netsafe.examination.models import JobStatus, ReviewImage, TriageJob

pytestmark = pytest.mark.django_db


def _run(exhibit, examiner, item="JS-1-laptop") -> TriageJob:
    job = jobs.queue(exhibit, item, examiner)
    claimed = jobs.claim()
    assert claimed is not None
    assert claimed.pk == job.pk
    jobs.run(claimed)
    job.refresh_from_db()
    return job


def test_a_queued_scan_runs_and_its_report_is_attached_to_the_exhibit(store, exhibit, examiner):
    job = _run(exhibit, examiner)
    assert job.status == JobStatus.DONE, job.error
    assert Path(job.out_dir).parent == Path(store.root).parent / "var" / "triage"
    summary = job.report["summary"]
    assert {k: v["files"] for k, v in summary["categories"].items()} == {"A": 1, "B": 1, "C": 1}
    assert summary["matches"] == {"exact": 2, "perceptual": 1}
    assert job.priority_band == "high"
    assert job.priority_score == job.report["priority"]["score"]
    assert job.files_done == job.files_total == summary["files"] == 7
    exhibit.refresh_from_db()
    assert exhibit.forensic_status == ForensicStatus.TRIAGED
    images = {i.path: (i.suggested, i.match_kind) for i in ReviewImage.objects.filter(job=job)}
    assert images == {
        "DCIM/a.jpg": ("A", "exact"),
        "DCIM/b.jpg": ("B", "exact"),
        "DCIM/c.jpg": ("C", "perceptual"),
        "DCIM/holiday.jpg": ("", ""),
        "old.zip!inner/kept.jpg": ("", ""),
    }
    assert all(i.force_id == exhibit.force_id for i in ReviewImage.objects.all())
    assert AuditEntry.objects.filter(action="triage-queue", object_id=str(job.pk)).exists()


def test_progress_reaches_the_job_while_it_runs(store, exhibit, examiner):
    seen = []
    job = jobs.queue(exhibit, "JS-1-laptop", examiner)
    progress = jobs.JobProgress(job)
    progress.start(10, 1000, 0, 0)
    progress.advance(4, 400)
    seen.append(TriageJob.objects.values_list("files_done", "files_total", "bytes_done").get())
    assert seen == [(4, 10, 400)]
    job.refresh_from_db()
    assert job.percent == 40


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Choose an evidence item"),
        ("../hashsets/uk.csv", "outside the evidence store"),
        ("/etc", "not absolute"),
        ("JS-9-missing", "not found"),
        (".", "not the whole evidence store"),
    ],
)
def test_evidence_must_be_an_item_inside_the_store(store, exhibit, examiner, given, message):
    with pytest.raises(evidence.EvidencePathError, match=message):
        jobs.queue(exhibit, given, examiner)
    assert not TriageJob.objects.exists()


def test_a_link_out_of_the_store_is_neither_offered_nor_accepted(store, exhibit, examiner):
    (store.root / "escape").symlink_to(store.hashset.parent, target_is_directory=True)
    assert evidence.items() == ["JS-1-laptop", "JS-2-usb"]
    with pytest.raises(evidence.EvidencePathError, match="outside"):
        jobs.queue(exhibit, "escape", examiner)


def test_a_device_has_one_scan_pending_at_a_time(store, exhibit, examiner):
    jobs.queue(exhibit, "JS-1-laptop", examiner)
    with pytest.raises(ValueError, match="already has a triage queued"):
        jobs.queue(exhibit, "JS-2-usb", examiner)


def test_a_scan_that_cannot_run_fails_with_the_reason_on_the_job(store, exhibit, examiner):
    job = jobs.queue(exhibit, "JS-1-laptop", examiner)
    shutil.rmtree(store.root / "JS-1-laptop")
    jobs.run(jobs.claim(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "not found" in job.error
    assert "JS-1-laptop" in job.error
    exhibit.refresh_from_db()
    assert exhibit.forensic_status == ForensicStatus.AWAITING_TRIAGE


def test_a_job_left_running_by_a_dead_worker_resumes_from_its_store(store, exhibit, examiner):
    job = _run(exhibit, examiner)
    first = job.report["summary"]
    # As if the worker died after the scan stored its results but before the outputs.
    (Path(job.out_dir) / "report.json").unlink()
    TriageJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, report=None)
    again = jobs.claim(job.pk)
    assert jobs.scan_options(again).resume
    jobs.run(again)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.report["summary"] == first
    assert ReviewImage.objects.filter(job=job).count() == 5


def test_a_cluster_in_the_settings_takes_the_scan(store, exhibit, examiner, settings):
    settings.NETSAFE_TRIAGE_SCHEDULER = "tcp://10.0.0.5:8786"
    job = jobs.queue(exhibit, "JS-1-laptop", examiner)
    options = jobs.scan_options(job)
    assert options.scheduler == "tcp://10.0.0.5:8786"
    assert options.evidence == [store.root / "JS-1-laptop"]
    assert options.hashsets == [store.hashset]


def test_two_workers_never_take_the_same_job(store, exhibit, examiner):
    first = jobs.queue(exhibit, "JS-1-laptop", examiner)
    assert jobs.claim().pk == first.pk
    assert jobs.claim() is None
    # Asked for by id (its worker died), a running job is taken again; a finished one never.
    assert jobs.claim(first.pk).status == JobStatus.RUNNING
    TriageJob.objects.filter(pk=first.pk).update(status=JobStatus.DONE)
    assert jobs.claim(first.pk) is None


def test_an_evidence_item_is_triaged_for_one_exhibit_only(store, exhibit, examiner):
    """Issue 13: one evidence item was triaged for two different exhibits."""
    from netsafe.casework import models as m

    first = jobs.queue(exhibit, "JS-1-laptop", examiner)
    other = m.Device.objects.create(subject=exhibit.subject, kind="phone", exhibit_ref="JS/2")
    for spelling in ("JS-1-laptop", "./JS-1-laptop", "JS-2-usb/../JS-1-laptop"):
        with pytest.raises(ValueError, match="belongs to exhibit JS/1: an evidence item is"):
            jobs.queue(other, spelling, examiner)
    assert list(m.Device.objects.get(pk=other.pk).triage_jobs.all()) == []
    assert first.evidence == "JS-1-laptop"
