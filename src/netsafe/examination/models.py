"""Triage jobs of seized devices, and the grading of the images they found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from netsafe.casework.models import Device, ForceScoped
from netsafe.casework.querysets import CaseQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Grade(models.TextChoices):
    """The examiner's decision on one image (UK Sentencing Council categories as labels)."""

    A = "A", "Category A"
    B = "B", "Category B"
    C = "C", "Category C"
    NON_PERTINENT = "non-pertinent", "Non-pertinent"


#: The key an examiner presses for each grade in the review grid.
GRADE_KEYS = {"a": Grade.A, "b": Grade.B, "c": Grade.C, "n": Grade.NON_PERTINENT}

#: Triage priority bands, most urgent first (``netsafe.triage.priority``).
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


class TriageJobQuerySet(CaseQuerySet):
    """Jobs: pending (queued or running), finished."""

    def pending(self) -> TriageJobQuerySet:
        """Queued or running."""
        return self.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))

    def done(self) -> TriageJobQuerySet:
        """Finished with a report."""
        return self.filter(status=JobStatus.DONE)


class TriageJob(ForceScoped):
    """One triage scan of a device's evidence, from queuing to its report."""

    FORCE_FROM = ("device",)

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="triage_jobs")
    evidence = models.CharField(
        max_length=500, help_text="Path of the evidence item inside the evidence store."
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(null=True, blank=True)
    bytes_done = models.PositiveBigIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(null=True, blank=True)
    out_dir = models.CharField("output folder", max_length=500, blank=True)
    error = models.TextField(blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: The evidence object of report.json (summary, priority, integrity) once done.
    report = models.JSONField(null=True, blank=True)
    priority_band = models.CharField(max_length=10, blank=True)
    priority_score = models.FloatField(null=True, blank=True)

    objects = TriageJobQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"triage of {self.device.ref} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("casework:device-detail", args=[self.device_id]) + "#triage"

    @property
    def percent(self) -> int:
        """Progress in per cent of bytes (files when the evidence holds no bytes)."""
        if self.status == JobStatus.DONE:
            return 100
        if self.bytes_total:
            return min(100, int(100 * self.bytes_done / self.bytes_total))
        if self.files_total:
            return min(100, int(100 * self.files_done / self.files_total))
        return 0

    @property
    def finished(self) -> bool:
        """Done or failed: nothing more will happen to it."""
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class ReviewImage(ForceScoped):
    """A matched or unknown image a triage found, and the examiner's grade of it."""

    FORCE_FROM = ("job",)

    job = models.ForeignKey(TriageJob, on_delete=models.CASCADE, related_name="images")
    path = models.CharField(max_length=1000, help_text="Path inside the evidence, as reported.")
    sha1 = models.CharField(max_length=40, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    #: The category the hash sets suggest ("" for an unknown image), and how it matched.
    suggested = models.CharField(max_length=40, blank=True)
    match_kind = models.CharField(max_length=10, blank=True)
    distance = models.PositiveSmallIntegerField(null=True, blank=True)
    grade = models.CharField(max_length=20, choices=Grade.choices, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["job", "path", "id"]

    def __str__(self) -> str:
        return self.path
