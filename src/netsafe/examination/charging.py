"""The charging document: what examiners graded on a device or a subject's devices, laid
out as a streamlined forensic report (SFR1), as HTML and tagged PDF.

Counts come from graded data only. For each category A, B and C, still and
moving images, unique (distinct SHA-1) and total (every copy); pictures graded
non-pertinent are counted apart; ungraded pictures are listed as ungraded and
never counted in a category. Who graded, how many and when is stated for each
exhibit, with any second opinion the operation gave on its pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from netsafe.casework.models import Device, Subject

from .models import BankEntry, BankStatus, Grade, ReviewImage, TriageJob

#: The categories a charge is laid in, most serious first.
CHARGE_CATEGORIES = (Grade.A, Grade.B, Grade.C)
#: Ungraded pictures listed by path on the document (the rest are counted).
UNGRADED_LISTED = 200


@dataclass
class Count:
    """Unique pictures (distinct content) and total copies."""

    unique: int = 0
    total: int = 0


@dataclass
class Grader:
    """One examiner's share of the grading."""

    name: str
    graded: int
    first: datetime
    last: datetime


@dataclass
class Findings:
    """The graded counts of one exhibit, or of all a subject's exhibits together."""

    still: dict[str, Count]
    moving: dict[str, Count]
    non_pertinent: Count
    ungraded: int
    ungraded_paths: list[str] = field(default_factory=list)
    graders: list[Grader] = field(default_factory=list)
    second_opinions: int = 0
    #: Graded pictures a later second opinion differs from, awaiting their examiner's
    #: review (counted as graded: the grade stands until the examiner changes it).
    to_review: int = 0

    @property
    def graded_count(self) -> int:
        """Pictures graded (in a category or not indecent)."""
        counted = sum(c.total for c in [*self.still.values(), *self.moving.values()])
        return counted + self.non_pertinent.total

    @property
    def item_count(self) -> int:
        """Pictures found for grading, graded or not."""
        return self.graded_count + self.ungraded

    @property
    def rows(self) -> list[tuple[str, Count, Count]]:
        """(category, still, moving) for each charging category, most serious first."""
        return [(c, self.still[c], self.moving[c]) for c in CHARGE_CATEGORIES]


@dataclass
class Exhibit:
    """One device in the document: what was examined, and its findings."""

    device: Device
    job: TriageJob | None
    findings: Findings | None


@dataclass
class Document:
    """A charging document: the subject, each exhibit's findings, and their total."""

    subject: Subject | None
    exhibits: list[Exhibit]
    total: Findings
    prepared: datetime


def is_moving(image: ReviewImage) -> bool:
    """A moving image: a video item of the gallery (by its type or, where the bytes'
    type is not one, its name), as the triage found it."""
    return image.is_video or image.media_type.startswith("video/")


def _latest_jobs(devices) -> dict[int, TriageJob]:
    jobs: dict[int, TriageJob] = {}
    done = TriageJob.objects.filter(device__in=devices).done().order_by("-finished_at", "-id")
    for job in done:
        jobs.setdefault(job.device_id, job)
    return jobs


def findings(images) -> Findings:
    """The counts of ``images`` (a queryset of review items): graded data only."""
    rows = list(
        images.select_related("graded_by").only(
            "sha1",
            "path",
            "grade",
            "graded_at",
            "media_type",
            "is_video",
            "second_opinion",
            "graded_by__username",
            "graded_by__first_name",
            "graded_by__last_name",
        )
    )
    seen: dict[tuple[str, str], set[str]] = {}
    still = {c: Count() for c in CHARGE_CATEGORIES}
    moving = {c: Count() for c in CHARGE_CATEGORIES}
    other = Count()
    ungraded: list[str] = []
    graders: dict[int, Grader] = {}
    for image in rows:
        if not image.grade:
            ungraded.append(image.path)
            continue
        if image.grade in CHARGE_CATEGORIES:
            kind = "moving" if is_moving(image) else "still"
            count = (moving if kind == "moving" else still)[image.grade]
        else:
            kind, count = "other", other
        content = image.sha1 or f"item:{image.pk}"
        known = seen.setdefault((kind, image.grade), set())
        count.total += 1
        if content not in known:
            known.add(content)
            count.unique += 1
        if image.graded_by_id is not None and image.graded_at is not None:
            who = graders.get(image.graded_by_id)
            if who is None:
                name = image.graded_by.get_full_name() or image.graded_by.get_username()
                graders[image.graded_by_id] = Grader(name, 1, image.graded_at, image.graded_at)
            else:
                who.graded += 1
                who.first = min(who.first, image.graded_at)
                who.last = max(who.last, image.graded_at)
    graded_sha1 = {r.sha1 for r in rows if r.grade and r.sha1}
    opinions = BankEntry.objects.filter(sha1__in=graded_sha1, status=BankStatus.RESOLVED).count()
    return Findings(
        still=still,
        moving=moving,
        non_pertinent=other,
        ungraded=len(ungraded),
        ungraded_paths=sorted(ungraded)[:UNGRADED_LISTED],
        graders=sorted(graders.values(), key=lambda g: (g.first, g.name)),
        second_opinions=opinions,
        to_review=sum(1 for r in rows if r.grade and r.second_opinion),
    )


def for_devices(subject: Subject | None, devices: list[Device]) -> Document:
    """The document for ``devices`` (one device, or a subject's), each on its latest triage."""
    jobs = _latest_jobs(devices)
    exhibits = []
    for device in devices:
        job = jobs.get(device.pk)
        exhibits.append(
            Exhibit(device, job, findings(job.images.all()) if job is not None else None)
        )
    total = findings(ReviewImage.objects.filter(job__in=list(jobs.values())))
    return Document(subject, exhibits, total, timezone.now())


def for_device(device: Device) -> Document:
    """The document of one exhibit."""
    return for_devices(device.subject, [device])


def for_subject(subject: Subject) -> Document:
    """The document of every exhibit seized from ``subject``."""
    return for_devices(subject, list(subject.devices.order_by("exhibit_ref", "id")))


def render_html(
    document: Document, *, pdf: bool = False, pdf_url: str = "", back_url: str = ""
) -> str:
    """The document as a page; ``pdf`` leaves out what only a browser needs (its links)."""
    return render_to_string(
        "examination/charging.html",
        {
            "doc": document,
            "pdf": pdf,
            "pdf_url": pdf_url,
            "back_url": back_url,
            "categories": CHARGE_CATEGORIES,
            "listed": UNGRADED_LISTED,
            "service_name": settings.NETSAFE_OPERATION["name"],
        },
    )


def render_pdf(document: Document) -> bytes:
    """The document as tagged PDF (PDF/UA-1), drawn by WeasyPrint, fetching nothing."""
    from weasyprint import CSS, HTML

    stylesheet = finders.find("examination/charging.css")
    if stylesheet is None:
        raise FileNotFoundError("static file examination/charging.css is missing")
    return HTML(string=render_html(document, pdf=True), url_fetcher=_refuse).write_pdf(
        stylesheets=[CSS(filename=stylesheet)], pdf_variant="pdf/ua-1"
    )


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the charging document fetches nothing, not {url}")
