"""The operation bank of confirmed grades: a picture graded once is known to every force.

When an examiner grades a picture (:func:`netsafe.examination.grading.grade`),
:func:`record_grade` puts its content (SHA-1, MD5, size) and category in the bank.
Every later triage in any force takes the bank's category as the suggestion for
the same picture (:func:`suggest`, by SHA-1, else MD5, else a near-identical
picture's PDQ), and the grid says how often it was "confirmed elsewhere in the
operation" (:func:`elsewhere`).

Need to know holds: a picture's category is shared, whose device it was on is
not. The bank holds hashes and categories only; what it tells another force is
counts and categories, never a force, case, subject, device or examiner.

Graders who give one picture different categories open a :class:`Disagreement`
that the supervisors of every force involved see (their "My work", and the
disagreements page) until one of them gives the second opinion (:func:`resolve`).

The bank leaves the operation as a hash set (:func:`export`): VICS 2.0 JSON, with
the UK category numbers of :data:`UK_VICS_CATEGORIES`, or the CSV that
``netsafe triage scan --hashset`` reads.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from netsafe.audit import record
from netsafe.audit.bulk import record_shown
from netsafe.triage.hashsets import HashEntry
from netsafe.triage.hashsets.csvtable import CsvFormat
from netsafe.triage.hashsets.vics import VicsFormat
from netsafe.triage.pdq.index import PDQIndex

from .models import BankEntry, BankStatus, Disagreement, Grade, ReviewImage, TriageJob
from .stacks import NEAR_DISTANCE as NEAR_STACK_DISTANCE

#: VICS category numbers of UK sets (CAID): what ``--vics-categories`` is given to read an
#: export of the bank back.
UK_VICS_CATEGORIES: dict[int, str] = {0: Grade.NON_PERTINENT, 1: Grade.A, 2: Grade.B, 3: Grade.C}
#: The VICS 2.0 context of the export: the UK profile, whose numbers are those above.
VICS_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"
#: The ``match_kind`` of a review item whose suggestion came from the bank.
BANK = "bank"
#: The ``match_kind`` of one suggested by a near-identical picture's grade (its PDQ within
#: :data:`NEAR_DISTANCE`): the gallery marks it as a perceptual match.
BANK_NEAR = "bank-near"
#: The PDQ distance within which a picture takes a banked picture's category as its
#: suggestion: the gallery's near-identical stacks' (a re-encoding or resizing).
NEAR_DISTANCE = NEAR_STACK_DISTANCE
#: Export formats: name -> (file suffix, MIME type).
FORMATS = {"vics": (".json", "application/json"), "csv": (".csv", "text/csv")}


def _graded(sha1: str):
    return ReviewImage.objects.filter(sha1=sha1).exclude(grade="")


def record_grade(image: ReviewImage) -> BankEntry | None:
    """Put ``image``'s grade in the bank; open (or join) a disagreement when graders differ.

    Called by :func:`netsafe.examination.grading.grade` inside its transaction (and by
    its undo). A picture without a SHA-1 (unreadable) is not banked; an item whose grade
    was undone to none leaves the bank as if it had never been graded (:func:`_withdraw`).
    """
    if not image.sha1:
        return None
    if not image.grade:
        return _withdraw(image)
    entry, created = BankEntry.objects.select_for_update().get_or_create(
        sha1=image.sha1,
        defaults={
            "md5": image.md5,
            "size": image.size or None,
            "pdq": "" if image.is_video else image.pdq,
            "category": image.grade,
            "first_confirmed": image.graded_at or timezone.now(),
        },
    )
    if created:
        return entry
    if not entry.md5 and image.md5:
        entry.md5 = image.md5
    if not entry.pdq and image.pdq and not image.is_video:
        entry.pdq = image.pdq
    if entry.status == BankStatus.AGREED:
        given = set(_graded(image.sha1).values_list("grade", flat=True))
        conflict = len(given) > 1
        if not conflict:
            # The only graders agree (one may have corrected a grade): the bank follows.
            entry.category = image.grade
    elif entry.status == BankStatus.RESOLVED:
        # A grade still flagged for this second opinion (an undone re-grade) awaits its
        # examiner's review: it is no new disagreement.
        conflict = image.grade != entry.category and image.second_opinion != entry.category
    else:
        conflict = True  # already disputed: this force joins the disagreement
    if conflict:
        entry.status = BankStatus.DISPUTED
        _open_disagreement(entry, image)
    entry.save()
    return entry


def _withdraw(image: ReviewImage) -> BankEntry | None:
    """An item's grade was taken back (undone to none): an agreed entry no one else graded
    leaves the bank, one others graded follows what they gave when they agree. A
    disagreement, open or settled, stays for the supervisors as it is."""
    entry = BankEntry.objects.select_for_update().filter(sha1=image.sha1).first()
    if entry is None or entry.status != BankStatus.AGREED:
        return entry
    given = set(_graded(image.sha1).values_list("grade", flat=True))
    if not given and not entry.disagreements.exists():
        entry.delete()
        return None
    if len(given) == 1:
        entry.category = given.pop()
        entry.save(update_fields=["category", "updated"])
    return entry


def _open_disagreement(entry: BankEntry, image: ReviewImage) -> Disagreement:
    """The entry's open disagreement (made now if none), with every grading force on it."""
    found = entry.disagreements.open().first()
    new = found is None
    if new:
        found = Disagreement.objects.create(entry=entry)
    forces = set(_graded(entry.sha1).values_list("force_id", flat=True).distinct())
    found.forces.add(*forces)
    if new:
        # The picture's content only: which devices hold it stays with each force.
        record(
            "disagreement",
            found,
            detail=f"picture {entry.sha1}: categories {', '.join(given_categories(entry))}",
            user=image.graded_by,
        )
    return found


def given_categories(entry: BankEntry) -> dict[str, int]:
    """How many graders in the operation gave the picture each category (no one named)."""
    counts = Counter(_graded(entry.sha1).values_list("grade", flat=True))
    return {g: counts[g] for g in Grade.values if counts[g]}


def resolve(disagreement: Disagreement, category: str, reason: str, user) -> Disagreement:
    """The second opinion: ``category`` becomes the bank's, the disagreement closes, audited.

    What it does to the examiners' grades, in every force, is what a court-facing record
    needs: a grade is the decision of the examiner who gave it, and stays theirs.

    - An item graded otherwise keeps its grade, grader and time; it is flagged for its
      examiner's review (``ReviewImage.second_opinion``), one audit entry per item naming
      the picture and the two categories, nothing of the other force's case. Its gallery
      shows "Second opinion: X" and can list only those; the charging document says how
      many graded pictures await review. Grading the item again (to either category)
      clears the flag, audited as any grade; a grade that still differs opens a new
      disagreement, as any later grade would.
    - An item graded as the second opinion is not flagged.
    - An item not graded yet whose suggestion came from the bank is suggested the second
      opinion instead (a suggestion is no one's decision): a copy with the same digest,
      and a near-identical picture (by PDQ) whose nearest banked picture this is.
    """
    if category not in Grade.values:
        raise ValueError(f"{category!r} is not a grade: choose one of {', '.join(Grade.values)}")
    if not reason.strip():
        raise ValueError(gettext("Give the reason for the second opinion."))
    with transaction.atomic():
        d = Disagreement.objects.select_for_update().get(pk=disagreement.pk)
        if d.resolved_at is not None:
            raise ValueError(gettext("This disagreement was settled already."))
        entry = d.entry
        old = entry.category
        entry.category = category
        entry.status = BankStatus.RESOLVED
        entry.save(update_fields=["category", "status", "updated"])
        d.resolved_category = category
        d.resolved_by = user
        d.resolved_at = timezone.now()
        d.reason = reason.strip()
        d.save()
        record(
            "second-opinion",
            d,
            changes={"category": [old, category]},
            reason=d.reason,
            detail=f"picture {entry.sha1}",
            user=user,
        )
        _flag_for_review(d, category, user)
    return d


def _flag_for_review(disagreement: Disagreement, category: str, user) -> None:
    """Flag the items graded otherwise than the second opinion (their grades kept, each
    audited), and move the bank's suggestion of the items not graded yet."""
    entry = disagreement.entry
    copies = ReviewImage.objects.filter(sha1=entry.sha1)
    differ = list(copies.exclude(grade="").exclude(grade=category).select_related("job__device"))
    for item in differ:
        # Another force's item is flagged by the system, not in the supervisor's name: an
        # entry by a user is read by the user's force, which must not learn where the
        # picture was. Its force's supervisors find who gave the opinion on the
        # disagreement the reason names (they are party to it).
        own = item.force_id == getattr(user, "force_id", None)
        record(
            "second-opinion-review",
            item,
            changes={"second_opinion": [item.second_opinion, category]},
            reason=f"second opinion on grading disagreement {disagreement.pk}",
            detail=(
                f"{item.job.device.ref}: {item.path} row {item.row}: second opinion "
                f"{category} on picture {entry.sha1}; grade {item.grade} kept for review"
            )[:200],
            user=user if own else AnonymousUser(),
        )
    ReviewImage.objects.filter(pk__in=[i.pk for i in differ]).update(
        second_opinion=category, updated=timezone.now()
    )
    # Graded as the second opinion meanwhile: nothing left to review.
    copies.filter(grade=category).exclude(second_opinion="").update(second_opinion="")
    copies.filter(grade="", match_kind=BANK).update(suggested=category)
    _suggest_again_near(entry)


def _suggest_again_near(entry: BankEntry) -> None:
    """Ask the bank again for the pictures not graded yet whose suggestion is a near match
    (:data:`BANK_NEAR`) within reach of ``entry``'s picture: a re-encoded copy takes a
    second opinion as a copy with the same digest does, the nearest banked picture still
    deciding."""
    if not entry.pdq:
        return
    waiting = list(
        ReviewImage.objects.filter(grade="", match_kind=BANK_NEAR)
        .exclude(pdq="")
        .only("pk", "pdq", "suggested", "match_kind", "distance")
    )
    if not waiting:
        return
    found = PDQIndex.build([i.pdq for i in waiting]).search([entry.pdq], NEAR_DISTANCE, threads=1)
    near = [waiting[row] for _query, row, _distance in found.pairs()]
    for image in near:
        image.suggested, image.match_kind, image.distance = "", "", None
    _suggest_near(near)
    ReviewImage.objects.bulk_update(near, ["suggested", "match_kind", "distance"])


# -- suggestions -----------------------------------------------------------------------


def lookup(sha1s: Iterable[str], md5s: Iterable[str]) -> tuple[dict, dict]:
    """Bank entries by SHA-1 and by MD5 (for the pictures of one triage)."""
    sha1s, md5s = {s for s in sha1s if s}, {m for m in md5s if m}
    by_sha1: dict[str, BankEntry] = {}
    by_md5: dict[str, BankEntry] = {}
    if not (sha1s or md5s):
        return by_sha1, by_md5
    for entry in BankEntry.objects.filter(Q(sha1__in=sha1s) | Q(md5__in=md5s)):
        by_sha1[entry.sha1] = entry
        if entry.md5:
            by_md5[entry.md5] = entry
    return by_sha1, by_md5


def suggest(images: list[ReviewImage]) -> None:
    """Give each new review item the bank's category as its suggestion (by SHA-1, else MD5,
    else the PDQ of a near-identical banked picture).

    The operation's own confirmed grade of the same content comes before a hash set's
    suggestion; a category still disputed is offered only where no hash set suggests
    anything. A near-identical picture's category (:data:`BANK_NEAR`, never a disputed
    one) is offered only where nothing else suggests anything.
    """
    by_sha1, by_md5 = lookup((i.sha1 for i in images), (i.md5 for i in images))
    unmatched = []
    for image in images:
        entry = by_sha1.get(image.sha1) or by_md5.get(image.md5)
        if entry is None:
            unmatched.append(image)
            continue
        if entry.status == BankStatus.DISPUTED and image.suggested:
            continue
        image.suggested = entry.category
        image.match_kind = BANK
        image.distance = None
    _suggest_near([i for i in unmatched if i.pdq and not i.suggested and not i.is_video])


def _suggest_near(images: list[ReviewImage]) -> None:
    """Suggest to each picture the category of the nearest banked picture within
    :data:`NEAR_DISTANCE` (by PDQ; the closest decides, the most severe among equals)."""
    if not images:
        return
    banked = list(
        BankEntry.objects.exportable().exclude(pdq="").order_by("id").values_list("pdq", "category")
    )
    if not banked:
        return
    index = PDQIndex.build([pdq for pdq, _category in banked])
    found = index.search([i.pdq for i in images], NEAR_DISTANCE, threads=1)
    best: dict[int, tuple[int, int, str]] = {}
    order = {g: n for n, g in enumerate(Grade.values)}
    for query, row, distance in found.pairs():
        category = banked[row][1]
        key = (distance, order.get(category, len(order)), category)
        if query not in best or key < best[query]:
            best[query] = key
    for query, (distance, _rank, category) in best.items():
        image = images[query]
        image.suggested = category
        image.match_kind = BANK_NEAR
        image.distance = distance


@dataclass(frozen=True)
class Elsewhere:
    """What the operation knows of a picture, as another force may be told it."""

    category: str
    confirmed: int
    disputed: bool


def elsewhere(images: Iterable[ReviewImage]) -> dict[int, Elsewhere]:
    """For each of ``images`` (of one device) that the bank knows: its category and how many
    times graders elsewhere in the operation (other devices, any force) confirmed it."""
    images = [i for i in images if i.sha1]
    if not images:
        return {}
    by_sha1, _by_md5 = lookup((i.sha1 for i in images), ())
    devices = TriageJob.objects.filter(pk__in={i.job_id for i in images}).values("device_id")
    confirmed: Counter[str] = Counter()
    graded = (
        ReviewImage.objects.filter(sha1__in=list(by_sha1))
        .exclude(grade="")
        .exclude(job__device_id__in=devices)
        .values_list("sha1", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for sha1, grade, n in graded:
        if grade == by_sha1[sha1].category:
            confirmed[sha1] += n
    out = {}
    for image in images:
        entry = by_sha1.get(image.sha1)
        if entry is not None:
            out[image.pk] = Elsewhere(
                entry.category, confirmed[image.sha1], entry.status == BankStatus.DISPUTED
            )
    return out


# -- export ----------------------------------------------------------------------------


def entries() -> Iterator[HashEntry]:
    """The bank as hash-set entries: content and category, nothing of where it was found."""
    for e in BankEntry.objects.exportable().order_by("id").iterator():
        yield HashEntry(
            id=str(e.pk),
            md5=e.md5 or None,
            sha1=e.sha1,
            pdq=e.pdq or None,
            category=e.category,
            size=e.size,
        )


def export(fmt: str, path: Path, user, *, detail: str = "") -> int:
    """Write the bank to ``path`` as ``fmt`` (``vics`` or ``csv``), log it as a bulk read by
    ``user``, and give the number of pictures written."""
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not an export format: choose one of {', '.join(FORMATS)}")
    rows = list(entries())
    if fmt == "vics":
        VicsFormat().write(rows, path, UK_VICS_CATEGORIES)
        # The writer names the US profile; the numbers here are the UK ones.
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["@odata.context"] = VICS_CONTEXT
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    else:
        CsvFormat().write(rows, path, UK_VICS_CATEGORIES)
    record_shown(
        BankEntry,
        [int(r.id) for r in rows if r.id],
        action="export",
        detail=detail or f"operation bank as {fmt}",
        user=user,
    )
    return len(rows)
