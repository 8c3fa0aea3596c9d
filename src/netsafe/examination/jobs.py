"""Triage jobs: queue a device's evidence, run the engine's scan in the background with
progress written to the job, and attach the report to the exhibit when done.

A job runs in a worker process (``netsafe triage-worker``): one started per job
by the page that queued it (``NETSAFE_TRIAGE_LAUNCH = "spawn"``, the default),
or a long-running worker that takes queued jobs in turn (``"worker"``). The scan
itself runs on local worker processes, or on the Dask cluster named by
``NETSAFE_TRIAGE_SCHEDULER``. A worker killed mid-scan loses nothing: the job
is taken again and the scan resumes from its store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from netsafe.audit import record
from netsafe.casework.choices import ForensicStatus
from netsafe.casework.models import Device
from netsafe.triage.hashset import NON_PERTINENT
from netsafe.triage.perceptual import MIN_QUALITY
from netsafe.triage.scan import Progress, ScanError, ScanInterrupted, ScanOptions, scan
from netsafe.triage.store import STORE_NAME
from netsafe.triage.work import is_video

from . import bank, evidence, leads, stacks, videos
from .models import JobStatus, ReviewImage, TriageJob

#: Progress is written to the database at most this often (seconds).
PROGRESS_EVERY = 0.5


def triage_dir() -> Path:
    """Where scans write their outputs: ``var/triage/``."""
    return Path(settings.VAR_DIR) / "triage"


def queue(device: Device, evidence_path: str, user) -> TriageJob:
    """Queue a triage of ``evidence_path`` (relative to the evidence store) for ``device``.

    Raises :class:`~netsafe.examination.evidence.EvidencePathError` for a path
    outside the store or missing, :class:`ValueError` when the device already
    has a scan queued or running, or the item was triaged for another exhibit.
    """
    target = evidence.resolve(evidence_path)
    # The item as the store names it, however it was typed ("a/../b", "./b"), so that
    # one item is recognised as one.
    relative = target.relative_to(evidence.root().resolve()).as_posix()
    with transaction.atomic():
        # Lock the device so two examiners clicking at once queue one scan, not two.
        Device.objects.select_for_update().filter(pk=device.pk).first()
        if TriageJob.objects.filter(device=device).pending().exists():
            raise ValueError(f"{device} already has a triage queued or running.")
        # An evidence item is the copy of one exhibit: triaging it for another exhibit
        # would attach one device's findings to a second device.
        other = (
            TriageJob.objects.filter(evidence=relative)
            .exclude(device=device)
            .select_related("device")
            .first()
        )
        if other is not None:
            owner = (
                f"exhibit {other.device.exhibit_ref or other.device.ref}"
                if other.device.force_id == device.force_id
                else "an exhibit of another force"
            )
            raise ValueError(
                f"{relative} belongs to {owner}: an evidence item is triaged for one exhibit only"
            )
        job = TriageJob.objects.create(device=device, evidence=relative, queued_by=user)
        job.out_dir = str(triage_dir() / f"job-{job.pk}")
        job.save(update_fields=["out_dir"])
    record("triage-queue", job, detail=f"{device.ref}: {relative}"[:200], user=user)
    return job


def launch(job: TriageJob) -> None:
    """Start the job in the background as ``NETSAFE_TRIAGE_LAUNCH`` says."""
    mode = getattr(settings, "NETSAFE_TRIAGE_LAUNCH", "spawn")
    if mode == "worker":
        return  # a running `netsafe triage-worker` takes it from the queue
    if mode != "spawn":
        raise ValueError(f"NETSAFE_TRIAGE_LAUNCH must be spawn or worker, not {mode!r}")
    log = triage_dir() / f"job-{job.pk}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as fh:
        # A new session, so that the scan outlives the request and a reload of the server.
        subprocess.Popen(
            [sys.executable, "-m", "netsafe.cli", "triage-worker", "--job", str(job.pk)],
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get(
                    "DJANGO_SETTINGS_MODULE", "netsafe.web.settings"
                ),
            },
        )


def claim(job_id: int | None = None) -> TriageJob | None:
    """Take a queued job (``job_id``, or the oldest) for this worker; None if there is none.

    Taking is one conditional update, so of two workers only one gets a job,
    on SQLite as on PostgreSQL. A job asked for by id is taken again when a
    worker that died left it running (its scan resumes from its store).
    """
    allowed = [JobStatus.QUEUED]
    if job_id is not None:
        allowed += [JobStatus.RUNNING, JobStatus.FAILED]
    for _attempt in range(10):
        qs = TriageJob.objects.filter(status__in=allowed)
        qs = qs.filter(pk=job_id) if job_id is not None else qs.order_by("queued_at", "id")
        job = qs.first()
        if job is None:
            return None
        now = timezone.now()
        taken = TriageJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.RUNNING, started_at=job.started_at or now, error="", updated=now
        )
        if taken:
            job.refresh_from_db()
            return job
        # Another worker took it first: look again.
    return None


class JobProgress(Progress):
    """Writes the scan's progress to the job, at most every :data:`PROGRESS_EVERY` seconds."""

    def __init__(self, job: TriageJob) -> None:
        self.job = job
        self._files = self._bytes = 0
        self._last = 0.0

    def start(self, files: int, nbytes: int, done_files: int, done_bytes: int) -> None:
        self._files, self._bytes = done_files, done_bytes
        TriageJob.objects.filter(pk=self.job.pk).update(
            files_total=files, bytes_total=nbytes, files_done=done_files, bytes_done=done_bytes
        )

    def advance(self, files: int, nbytes: int) -> None:
        self._files += files
        self._bytes += nbytes
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY:
            self._last = now
            TriageJob.objects.filter(pk=self.job.pk).update(
                files_done=self._files, bytes_done=self._bytes
            )


def demo_hashset_path() -> Path:
    """Where ``netsafe demo`` writes its hash set: ``var/hashsets/demo.csv``."""
    return Path(settings.VAR_DIR) / "hashsets" / "demo.csv"


def hashsets() -> list[Path]:
    """The hash sets every triage from the pages matches against: ``NETSAFE_HASHSETS``;
    when it names none, the demo's hash set if ``netsafe demo`` wrote one, so that the
    demo's triage finds its matches with nothing to configure."""
    configured = [Path(p) for p in settings.NETSAFE_HASHSETS]
    if configured:
        return configured
    demo = demo_hashset_path()
    return [demo] if demo.is_file() else []


def scan_options(job: TriageJob) -> ScanOptions:
    """The engine's options for ``job``, from the settings."""
    out = Path(job.out_dir)
    workers = getattr(settings, "NETSAFE_TRIAGE_WORKERS", None) or min(2, os.cpu_count() or 1)
    return ScanOptions(
        evidence=[evidence.resolve(job.evidence)],
        out=out,
        hashsets=hashsets(),
        workers=workers,
        resume=(out / STORE_NAME).is_file(),
        scheduler=getattr(settings, "NETSAFE_TRIAGE_SCHEDULER", None) or None,
    )


def run(job: TriageJob) -> TriageJob:
    """Run a claimed job's scan to the end and attach the report; a failure is kept on the job."""
    try:
        options = scan_options(job)
        scan(options, JobProgress(job))
    except (ScanError, evidence.EvidencePathError) as exc:
        return _fail(job, str(exc))
    except ScanInterrupted:
        # Stopped on purpose: it stays running and is resumed when taken again.
        raise
    except Exception as exc:  # the page must say what happened, whatever it was
        _fail(job, f"{type(exc).__name__}: {exc}")
        raise
    attach(job)
    return job


def _fail(job: TriageJob, message: str) -> TriageJob:
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated"])
    return job


def attach(job: TriageJob) -> None:
    """Attach a finished scan's report to the job and exhibit, and list its images for grading."""
    out = Path(job.out_dir)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    ev = report["evidence"][0]
    images = list(_review_images(job, out / "files.jsonl"))
    videos.suggest_from_frames(images, out / STORE_NAME, hashsets())
    bank.suggest(images)
    with transaction.atomic():
        job.report = ev
        job.priority_band = ev["priority"]["band"]
        job.priority_score = ev["priority"]["score"]
        job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        job.files_done = job.files_total = ev["summary"]["files"]
        job.bytes_done = job.bytes_total = ev["summary"]["bytes"]
        job.save()
        ReviewImage.objects.filter(job=job).delete()
        stacks.build(job, images)
        leads.reprioritise(job)
        device = job.device
        if device.forensic_status == ForensicStatus.AWAITING_TRIAGE:
            device.forensic_status = ForensicStatus.TRIAGED
            device.save(update_fields=["forensic_status", "updated"])


def _review_images(job: TriageJob, files_jsonl: Path):
    """The pictures and videos to grade: every one that matched, or that no hash set knows,
    each with its exact locator in the evidence (never its displayed path alone)."""
    for locator, row in evidence.store_rows(files_jsonl):
        video = is_video(row.type or "", row.path)
        if not (row.is_image or video) or row.error:
            continue
        category = row.category or ""
        if row.known and category in ("", NON_PERTINENT):
            continue
        yield ReviewImage(
            job=job,
            force_id=job.force_id,
            path=row.path,
            sha1=row.sha1 or "",
            md5=row.md5 or "",
            media_type=row.type or "",
            **leads.camera_fields(row.exif.as_dict() if row.exif else None),
            size=row.size or 0,
            suggested=category,
            match_kind=row.match_kind or "",
            distance=row.distance,
            row=locator.row,
            path_hex=row.path_hex or "",
            occurrence=locator.occurrence,
            carved_at=locator.carved_at,
            carved_size=locator.carved_size,
            deleted=row.deleted,
            carved=row.carved,
            is_video=video,
            pdq=(row.pdq or "") if (row.pdq_quality or 0) >= MIN_QUALITY else "",
        )
