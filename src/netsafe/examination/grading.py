"""Grading: the examiner's decision on each picture, audited, and the confirmed counts
per category that charging uses.

A grade is the examiner's decision and only an examiner changes it: a supervisor's second
opinion that differs flags the item for review (``second_opinion``) and grading it again
clears the flag (:func:`.bank.resolve`).

A grade is given to a gallery tile (a picture, or a stack of copies and near-identical
pictures) and recorded on every item it stands for, each audited on its own. Each step
(a grade of a tile, the split of a stack) is a :class:`GradeAction` the examiner can undo.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from netsafe.audit import record

from . import bank, leads, stacks
from .models import Grade, GradeAction, NearState, ReviewImage, TriageJob


class Conflict(Exception):
    """The step cannot be taken or undone because the items changed since (another
    examiner graded them); the message says which."""


def _check(category: str) -> None:
    if category not in Grade.values:
        raise ValueError(f"{category!r} is not a grade: choose one of {', '.join(Grade.values)}")


def grade(image: ReviewImage, category: str, user) -> GradeAction:
    """Grade ``image``'s tile as ``category`` (a :class:`Grade` value): every item it
    stands for gets the grade, each audited. Grading an offered stack of near-identical
    pictures confirms it."""
    _check(category)
    with transaction.atomic():
        tile = ReviewImage.objects.select_for_update().get(pk=image.tile_id or image.pk)
        items = list(stacks.members(tile).select_for_update().order_by("position"))
        now = timezone.now()
        before = [
            [
                i.pk,
                i.grade,
                i.graded_by_id,
                i.graded_at.isoformat() if i.graded_at else None,
                i.second_opinion,
            ]
            for i in items
        ]
        # Graded again after a second opinion: the examiner has reviewed it (either way).
        ReviewImage.objects.filter(pk__in=[i.pk for i in items]).update(
            grade=category, graded_by=user, graded_at=now, second_opinion="", updated=now
        )
        for item in items:
            changes = {"grade": [item.grade, category]}
            if item.second_opinion:
                changes["second_opinion"] = [item.second_opinion, ""]
            record("grade", item, changes=changes, detail=_detail(tile, item), user=user)
            item.grade, item.graded_by, item.graded_at = category, user, now
            item.second_opinion = ""
            bank.record_grade(item)  # the operation's bank: suggestion elsewhere, or a dispute
        leads.reprioritise(tile.job)
        near = tile.near_state
        if near == NearState.OFFERED:
            ReviewImage.objects.filter(pk=tile.pk).update(near_state=NearState.CONFIRMED)
            record(
                "stack-confirm",
                tile,
                changes={"near_state": [near, NearState.CONFIRMED]},
                detail=f"{tile.job.device.ref}: {len(items)} near-identical items graded as one",
                user=user,
            )
        return GradeAction.objects.create(
            job_id=tile.job_id,
            user=user,
            kind=GradeAction.Kind.GRADE,
            tile=tile,
            changes={"grade": category, "items": before, "near_state": near},
        )


def _detail(tile: ReviewImage, item: ReviewImage) -> str:
    stack = f", in a stack of {tile.count}" if tile.count > 1 else ""
    return (
        f"{tile.job.device.ref}: {item.path} row {item.row} "
        f"(suggested {item.suggested or 'none'}{stack})"
    )[:200]


def split(image: ReviewImage, user) -> GradeAction:
    """Split the near-identical stack ``image`` leads into its exact stacks (audited)."""
    with transaction.atomic():
        tile = ReviewImage.objects.select_for_update().get(pk=image.tile_id or image.pk)
        state = tile.near_state
        leaders = stacks.split(tile)
        record(
            "stack-split",
            tile,
            changes={"near_state": [state, NearState.SPLIT]},
            detail=f"{tile.job.device.ref}: {len(leaders)} pictures shown one by one",
            user=user,
        )
        return GradeAction.objects.create(
            job_id=tile.job_id,
            user=user,
            kind=GradeAction.Kind.SPLIT,
            tile=tile,
            changes={"leaders": [x.pk for x in leaders], "near_state": state},
        )


def undo(job: TriageJob, user) -> GradeAction | None:
    """Undo ``user``'s last step on ``job`` not undone yet (None when there is none).

    Raises :class:`Conflict` when the items no longer hold what that step left.
    """
    with transaction.atomic():
        action = (
            GradeAction.objects.select_for_update()
            .filter(job=job, user=user, undone=False)
            .select_related("tile__job__device")
            .first()
        )
        if action is None:
            return None
        if action.kind == GradeAction.Kind.GRADE:
            _undo_grade(action, user)
        else:
            _undo_split(action, user)
        action.undone = True
        action.save(update_fields=["undone"])
        return action


def _undo_grade(action: GradeAction, user) -> None:
    category = action.changes["grade"]
    # Each item's grade, grader, time and (since second opinions) flag before the step.
    rows = {pk: (old, by, at, *flag) for pk, old, by, at, *flag in action.changes["items"]}
    items = list(ReviewImage.objects.select_for_update().filter(pk__in=rows).order_by("position"))
    changed = [i.path for i in items if i.grade != category]
    if changed:
        raise Conflict(
            f"cannot undo: {len(changed)} of the pictures were graded again since ({changed[0]})"
        )
    for item in items:
        old, by, at, *flag = rows[item.pk]
        opinion = flag[0] if flag else ""
        ReviewImage.objects.filter(pk=item.pk).update(
            grade=old,
            graded_by_id=by,
            graded_at=parse_datetime(at) if at else None,
            second_opinion=opinion,
        )
        changes = {"grade": [category, old]}
        if opinion:
            changes["second_opinion"] = ["", opinion]
        record(
            "grade",
            item,
            changes=changes,
            detail=("undone: " + _detail(action.tile, item))[:200],
            user=user,
        )
        item.grade, item.second_opinion = old, opinion
        bank.record_grade(item)  # the grade given before, if any, stands in the bank again
    tile = action.tile
    leads.reprioritise(tile.job)
    if action.changes.get("near_state") == NearState.OFFERED:
        ReviewImage.objects.filter(pk=tile.pk).update(near_state=NearState.OFFERED)


def _undo_split(action: GradeAction, user) -> None:
    tile = action.tile
    leaders = action.changes["leaders"]
    if ReviewImage.objects.filter(pk__in=leaders, is_tile=True).count() != len(leaders):
        raise Conflict("cannot undo: the split pictures were changed since")
    stacks.join(tile.pk, leaders, action.changes["near_state"])
    record(
        "stack-split",
        tile,
        changes={"near_state": [NearState.SPLIT, action.changes["near_state"]]},
        detail=f"undone: {tile.job.device.ref}: {len(leaders)} pictures stacked again",
        user=user,
    )


def tally(job: TriageJob) -> dict:
    """What is stored, in one query: items graded and in all, per grade, and stacks left."""
    per_grade = {f"grade_{i}": Count("id", filter=Q(grade=g)) for i, g in enumerate(Grade.values)}
    found = ReviewImage.objects.filter(job=job).aggregate(
        total=Count("id"),
        graded=Count("id", filter=~Q(grade="")),
        tiles_left=Count("id", filter=Q(is_tile=True, grade="")),
        to_review=Count("id", filter=~Q(second_opinion="")),
        **per_grade,
    )
    return {
        "graded": found["graded"],
        "total": found["total"],
        "tiles_left": found["tiles_left"],
        "to_review": found["to_review"],
        "confirmed": {g: found[f"grade_{i}"] for i, g in enumerate(Grade.values)},
    }


def progress(job: TriageJob) -> tuple[int, int]:
    """(graded, total) images of ``job``."""
    t = tally(job)
    return t["graded"], t["total"]
