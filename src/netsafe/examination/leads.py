"""Camera and first-generation leads: pictures the device's owner may have taken.

The triage writes each picture's EXIF camera (make, model, serial) into
files.jsonl; each review item keeps it (:func:`camera_fields`). Pictures are
grouped by camera across the device (:func:`cameras`).

A camera that took the owner's ordinary photos (pictures on the device graded
non-pertinent) is the owner's camera. Its other pictures that no hash set and
no grade of the operation's bank knows may be first-generation: taken by the
owner, of a child who may be at risk now. They are flagged
(:func:`first_generation`) until graded non-pertinent, shown to the examiner,
and raise the device's place in the examination queue (:func:`reprioritise`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Grade, ReviewImage, TriageJob

#: Points a device's triage priority gains while it has possibly first-generation pictures.
LEAD_POINTS = 30.0
#: Band a device with such pictures is raised to at least (a child may be at risk now).
LEAD_BAND = "high"
_CAMERA_FIELDS = ("camera_make", "camera_model", "camera_serial")


def camera_fields(exif: dict | None) -> dict[str, str]:
    """A files.jsonl row's ``exif`` as the camera fields of a review item ("" for none)."""
    exif = exif if isinstance(exif, dict) else {}
    out = {}
    for name, key in zip(_CAMERA_FIELDS, ("make", "model", "serial"), strict=True):
        value = exif.get(key)
        out[name] = str(value).strip()[:100] if value is not None else ""
    return out


@dataclass
class Camera:
    """One camera's pictures on a device."""

    make: str
    model: str
    serial: str
    pictures: int = 0
    ordinary: int = 0
    unknown: int = 0
    flagged: list[ReviewImage] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.make, self.model, self.serial)

    @property
    def owners(self) -> bool:
        """Whether it took the owner's ordinary photos (some graded non-pertinent)."""
        return self.ordinary > 0

    def __str__(self) -> str:
        name = " ".join(p for p in (self.make, self.model) if p) or "unnamed camera"
        return f"{name} (serial {self.serial})" if self.serial else name


def _with_camera(job: TriageJob):
    return job.images.exclude(camera_make="", camera_model="", camera_serial="")


def cameras(job: TriageJob) -> list[Camera]:
    """The cameras of ``job``'s pictures, the owner's first, then by number of pictures."""
    found: dict[tuple[str, str, str], Camera] = {}
    rows = _with_camera(job).order_by("path", "id")
    for image in rows:
        key = (image.camera_make, image.camera_model, image.camera_serial)
        cam = found.setdefault(key, Camera(*key))
        cam.pictures += 1
        if image.grade == Grade.NON_PERTINENT:
            cam.ordinary += 1
        if not image.match_kind:
            cam.unknown += 1
    flagged = first_generation(job)
    for image in flagged:
        found[(image.camera_make, image.camera_model, image.camera_serial)].flagged.append(image)
    return sorted(found.values(), key=lambda c: (not c.owners, -c.pictures, c.key))


def _owner_cameras(job: TriageJob) -> Q:
    """A condition: the picture was taken by a camera that took the owner's ordinary photos."""
    owned = (
        _with_camera(job)
        .filter(grade=Grade.NON_PERTINENT)
        .values_list(*_CAMERA_FIELDS)
        .distinct()
        .order_by()
    )
    condition = Q(pk__in=[])
    for make, model, serial in owned:
        condition |= Q(camera_make=make, camera_model=model, camera_serial=serial)
    return condition


def first_generation(job: TriageJob):
    """Pictures flagged "possibly first-generation": from the owner's camera, known to no hash
    set nor to the bank, and not themselves graded non-pertinent."""
    return (
        _with_camera(job)
        .filter(_owner_cameras(job), match_kind="")
        .exclude(grade=Grade.NON_PERTINENT)
        .order_by("path", "id")
    )


def priority(job: TriageJob) -> dict | None:
    """The device's priority (``score``, ``band``, ``reasons``): the triage's, raised while
    the device holds possibly first-generation pictures; None before the triage is done."""
    base = (job.report or {}).get("priority")
    if not base:
        return None
    flagged = first_generation(job).count()
    if not flagged:
        return base
    return {
        "score": min(100.0, round(float(base["score"]) + LEAD_POINTS, 1)),
        "band": LEAD_BAND,
        "reasons": [
            *base["reasons"],
            f"{flagged} picture(s) possibly first-generation (the owner's camera, "
            "known to no hash set)",
        ],
    }


def reprioritise(job: TriageJob) -> None:
    """Set the job's priority in the examination queue to :func:`priority`."""
    found = priority(job)
    if found is None:
        return
    score, band = float(found["score"]), found["band"]
    if (job.priority_score, job.priority_band) != (score, band):
        TriageJob.objects.filter(pk=job.pk).update(priority_score=score, priority_band=band)
        job.priority_score, job.priority_band = score, band
