"""Triage jobs of seized devices, and the grading of the images they found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netsafe.accounts.models import Force
from netsafe.casework.models import Device, ForceScoped
from netsafe.casework.querysets import CaseQuerySet
from netsafe.triage import hashset


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Grade(models.TextChoices):
    """The examiner's decision on one image (UK Sentencing Council categories as labels)."""

    A = "A", _("Category A")
    B = "B", _("Category B")
    C = "C", _("Category C")
    NON_PERTINENT = hashset.NON_PERTINENT, _("Non-pertinent")


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


class NearState(models.TextChoices):
    """A stack of near-identical pictures (PDQ within a small distance), as the examiner
    left it: offered by the triage, confirmed (graded as one) or split into single pictures."""

    OFFERED = "offered", "Offered"
    CONFIRMED = "confirmed", "Confirmed"
    SPLIT = "split", "Split"


class ReviewImageQuerySet(CaseQuerySet):
    """Review items: the tiles of the gallery (one per stack), ungraded ones."""

    def tiles(self) -> ReviewImageQuerySet:
        """One item per stack shown in the gallery (its leader), in gallery order."""
        return self.filter(is_tile=True).order_by("position")

    def ungraded(self) -> ReviewImageQuerySet:
        """Not graded yet."""
        return self.filter(grade="")

    def to_review(self) -> ReviewImageQuerySet:
        """Graded otherwise than a later second opinion: awaiting the examiner's review."""
        return self.exclude(second_opinion="")


class ReviewImage(ForceScoped):
    """A matched or unknown picture (or video) a triage found, and the examiner's grade of it.

    Its identity is its content (``sha1``) and its exact place in the evidence: the
    ``row`` of the triage's ``files.jsonl``, the path's bytes (``path_hex``) and
    ``occurrence`` (how many files with the very same path bytes come before it: two
    members ``x.jpg`` of one ZIP are occurrences 0 and 1). ``path`` is for display only.
    """

    FORCE_FROM = ("job",)

    job = models.ForeignKey(TriageJob, on_delete=models.CASCADE, related_name="images")
    path = models.CharField(max_length=1000, help_text="Path inside the evidence, as reported.")
    sha1 = models.CharField(max_length=40, blank=True)
    #: MD5 too, for the operation bank: some national sets carry MD5 only.
    md5 = models.CharField(max_length=32, blank=True)
    #: The type the triage found from the bytes (``image/jpeg``, ``video/mp4``).
    media_type = models.CharField(max_length=100, blank=True)
    #: The camera the picture's EXIF names (camera leads); "" where it names none.
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    camera_serial = models.CharField(max_length=100, blank=True)
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
    #: A supervisor's second opinion on the picture (:func:`.bank.resolve`) that differs
    #: from this item's grade: the item awaits its examiner's review. The grade itself is
    #: never changed by it (a grade is the examiner's decision); grading the item again
    #: clears it.
    second_opinion = models.CharField(
        max_length=20,
        choices=Grade.choices,
        blank=True,
        help_text="A supervisor's second opinion that differs from the grade, awaiting the "
        "examiner's review; the grade is kept until the examiner grades the item again.",
    )
    #: The locator: line of files.jsonl (from 1), path bytes in hex, occurrence of those
    #: bytes in the listing, and for a carved file (or one inside it) the carved file's
    #: first byte in the evidence.
    row = models.PositiveIntegerField(default=0)
    path_hex = models.TextField(blank=True)
    occurrence = models.PositiveIntegerField(default=0)
    carved_at = models.PositiveBigIntegerField(null=True, blank=True)
    carved_size = models.PositiveBigIntegerField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    carved = models.BooleanField(default=False)
    is_video = models.BooleanField(default=False)
    pdq = models.CharField(max_length=64, blank=True)
    #: Gallery order (matched first, by suggested category, then path).
    position = models.PositiveIntegerField(default=0)
    #: The first item of the same content (its exact stack); the item shown for it in the
    #: gallery (``tile``: the stack's own leader, or a near-identical stack's leader).
    stack = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    tile = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    is_tile = models.BooleanField(default=True)
    #: On a tile: how many items it stands for, and its near-identical stack's state.
    count = models.PositiveIntegerField(default=1)
    near_state = models.CharField(max_length=10, choices=NearState.choices, blank=True)
    #: PDQ distance to the leader of the near-identical stack it was offered in.
    near_distance = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = ReviewImageQuerySet.as_manager()

    class Meta:
        ordering = ["job", "path", "id"]
        indexes = [
            models.Index(fields=["sha1"]),
            models.Index(fields=["md5"]),
            models.Index(fields=["job", "is_tile", "position"], name="review_tile_order"),
            models.Index(fields=["job", "grade"], name="review_job_grade"),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def raw_path(self) -> bytes:
        """The path's bytes as the evidence stores them."""
        return bytes.fromhex(self.path_hex) if self.path_hex else self.path.encode()

    @property
    def locator(self):
        """Where the item is in its evidence (:class:`~netsafe.examination.evidence.Locator`)."""
        from .evidence import Locator

        return Locator(self.row, self.raw_path, self.occurrence, self.carved_at, self.carved_size)


class GradeAction(models.Model):
    """One step an examiner took in the gallery (a grade of a stack, a split), kept so that
    it can be undone: ``changes`` holds each item's state before and after."""

    class Kind(models.TextChoices):
        GRADE = "grade", "Grade"
        SPLIT = "split", "Split"

    job = models.ForeignKey(TriageJob, on_delete=models.CASCADE, related_name="grade_actions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: The tile acted on, and what changed: {"items": [[id, before, after], ...]}.
    tile = models.ForeignKey(ReviewImage, on_delete=models.CASCADE, related_name="+")
    changes = models.JSONField(default=dict)
    undone = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["job", "user", "undone"], name="grade_action_undo")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.tile_id}"


# -- The operation bank (examination.bank) ---------------------------------------------


class BankStatus(models.TextChoices):
    """Whether the operation's graders agree on a picture."""

    AGREED = "agreed", _("Agreed")
    DISPUTED = "disputed", _("Disputed: awaiting a second opinion")
    RESOLVED = "resolved", _("Second opinion given")


class BankEntryQuerySet(models.QuerySet):
    """Bank entries: those fit to leave the operation as a hash set."""

    def exportable(self) -> BankEntryQuerySet:
        """Agreed or settled by a second opinion: never a category still disputed."""
        return self.exclude(status=BankStatus.DISPUTED).exclude(category="")


class BankEntry(models.Model):
    """A picture graded in the operation: its content and its category, and nothing of
    whose device it was on (that stays with the force's :class:`ReviewImage`)."""

    sha1 = models.CharField(max_length=40, unique=True)
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    #: The picture's PDQ as the triage computed it ("" for a video, or a picture too plain
    #: to match): a near-identical picture elsewhere is suggested the category too.
    pdq = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=20, choices=Grade.choices)
    status = models.CharField(max_length=10, choices=BankStatus.choices, default=BankStatus.AGREED)
    first_confirmed = models.DateTimeField()
    updated = models.DateTimeField(auto_now=True)

    objects = BankEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "bank entry"
        verbose_name_plural = "bank entries"

    def __str__(self) -> str:
        return f"{self.sha1[:12]}: {self.category}"


class DisagreementQuerySet(models.QuerySet):
    """Disagreements: open ones, and those a supervisor's force is party to."""

    def open(self) -> DisagreementQuerySet:
        """Awaiting a second opinion."""
        return self.filter(resolved_at__isnull=True)

    def for_supervisor(self, user) -> DisagreementQuerySet:
        """Those ``user`` may see and settle: a supervisor of a force whose graders disagree."""
        from netsafe.accounts.permissions import CHANGE, allowed

        if not allowed(user, CHANGE, "bank"):
            return self.none()
        return self.filter(forces=user.force_id).distinct()


class Disagreement(models.Model):
    """Graders of one picture gave it different categories: a second opinion settles it.

    Its forces are those whose examiners graded the picture; their supervisors see it.
    """

    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="disagreements")
    forces = models.ManyToManyField(Force, related_name="+")
    opened = models.DateTimeField(auto_now_add=True)
    resolved_category = models.CharField(max_length=20, choices=Grade.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = DisagreementQuerySet.as_manager()

    class Meta:
        ordering = ["-opened", "-id"]
        verbose_name = "grading disagreement"

    def __str__(self) -> str:
        return f"disagreement on picture {self.entry.sha1[:12]}"

    def get_absolute_url(self) -> str:
        return reverse("examination:disagreement", args=[self.pk])
