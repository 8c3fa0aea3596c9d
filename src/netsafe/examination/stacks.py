"""Stacks: the same picture is graded once.

- Items of the same content (SHA-1) are one *exact stack*: its first item in gallery
  order leads it, and a grade of the stack is every member's grade.
- Exact stacks whose pictures are near-identical (PDQ within :data:`NEAR_DISTANCE`,
  searched with the triage's PDQ index) are *offered* as one stack of at most
  :data:`NEAR_MOST` distinct pictures, all shown on its tile; the examiner confirms it
  (by grading it) or splits it into its exact stacks.

Every member keeps its own grade, recorded and audited one by one (:mod:`.grading`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F

from netsafe.triage.pdq.index import PDQIndex

from .models import NearState, ReviewImage, TriageJob

#: The largest PDQ distance offered as near-identical: well inside the distance that
#: counts as a perceptual match (31), so that a stack holds re-encodings, resizes and
#: small edits of one picture rather than similar pictures.
NEAR_DISTANCE = 24
#: The most distinct pictures in one near-identical stack: each is shown on its tile, so
#: none is graded unseen.
NEAR_MOST = 4
#: Rows written per query when the stacks of a large device are stored.
BATCH = 2000


def gallery_key(img: ReviewImage) -> tuple:
    """Gallery order: matched first (by suggested category), then unknown, then by path."""
    return (img.match_kind == "", img.suggested, img.path, img.row)


def build(job: TriageJob, images: Iterable[ReviewImage]) -> list[ReviewImage]:
    """Store a triage's review items with their gallery order, exact stacks and offered
    near-identical stacks (inside the caller's transaction).

    The stacks are worked out first, then stored in three inserts (the tiles, the other
    leaders of exact stacks, their copies) and two updates, so that a device of tens of
    thousands of pictures is not rewritten row by row.
    """
    items = sorted(images, key=gallery_key)
    leaders: dict[str, ReviewImage] = {}
    for position, img in enumerate(items):
        img.position = position
        # Without a digest (cannot happen for a readable file) an item is its own stack.
        img.leader = leaders.setdefault(img.sha1 or f"item-{position}", img)
        img.shown_in = img.leader
        img.is_tile = img.leader is img
    _offer_near(list(leaders.values()))
    counts: dict[int, int] = {}
    for img in items:
        img.shown_in = img.leader.shown_in  # a copy is shown where its leader is
        img.is_tile = img.shown_in is img
        counts[id(img.shown_in)] = counts.get(id(img.shown_in), 0) + 1
    for img in items:
        img.count = counts[id(img)] if img.is_tile else 1
    tiles = [img for img in items if img.is_tile]
    ReviewImage.objects.bulk_create(tiles, batch_size=BATCH)
    ReviewImage.objects.filter(job=job, is_tile=True).update(stack=F("id"), tile=F("id"))
    stacked = [img for img in items if img.leader is img and not img.is_tile]
    for img in stacked:
        img.tile_id = img.shown_in.pk
    ReviewImage.objects.bulk_create(stacked, batch_size=BATCH)
    ReviewImage.objects.filter(job=job, stack__isnull=True).update(stack=F("id"))
    copies = [img for img in items if img.leader is not img]
    for img in items:
        if img.leader is img:
            img.stack_id = img.pk
        img.tile_id = img.shown_in.pk
    for img in copies:
        img.stack_id = img.leader.pk
    ReviewImage.objects.bulk_create(copies, batch_size=BATCH)
    return items


def _offer_near(leaders: list[ReviewImage]) -> None:
    """Group exact stacks whose pictures are near-identical, in gallery order: each stack
    not yet grouped takes its nearest ungrouped neighbours (at most NEAR_MOST in all)."""
    hashed = [img for img in leaders if img.pdq and not img.is_video]
    if len(hashed) < 2:
        return
    index = PDQIndex.build([img.pdq for img in hashed])
    found = index.search([img.pdq for img in hashed], NEAR_DISTANCE)
    near: dict[int, list[tuple[int, int]]] = {}
    for query, entry, distance in zip(
        found.query.tolist(), found.entry.tolist(), found.distance.tolist(), strict=True
    ):
        if query != entry:
            near.setdefault(query, []).append((distance, entry))
    grouped: set[int] = set()
    for i, leader in enumerate(hashed):
        if i in grouped or i not in near:
            continue
        mates = [e for _d, e in sorted(near[i]) if e not in grouped and e > i][: NEAR_MOST - 1]
        if not mates:
            continue
        grouped.add(i)
        leader.near_state = NearState.OFFERED
        for distance, e in sorted(near[i]):
            if e in mates:
                grouped.add(e)
                mate = hashed[e]
                mate.is_tile = False
                mate.near_distance = distance
                mate.shown_in = leader


def members(tile: ReviewImage):
    """Every item shown by ``tile`` (itself included)."""
    return ReviewImage.objects.filter(job_id=tile.job_id, tile_id=tile.pk)


def split(tile: ReviewImage) -> list[ReviewImage]:
    """Split an offered or confirmed near-identical stack into its exact stacks (each its
    own tile again); returns the new tiles. Call inside a transaction."""
    if not tile.near_state or tile.near_state == NearState.SPLIT:
        raise ValueError(f"{tile.path}: not a stack of near-identical pictures")
    with transaction.atomic():
        leaders = list(
            ReviewImage.objects.filter(job_id=tile.job_id, tile_id=tile.pk)
            .filter(stack_id=F("id"))
            .order_by("position")
        )
        for leader in leaders:
            ReviewImage.objects.filter(job_id=tile.job_id, stack_id=leader.pk).update(
                tile_id=leader.pk
            )
        ReviewImage.objects.filter(pk__in=[x.pk for x in leaders]).update(
            is_tile=True, near_state=NearState.SPLIT
        )
        recount([x.pk for x in leaders])
    return leaders


def join(tile_id: int, leader_ids: list[int], state: str) -> None:
    """Put the exact stacks led by ``leader_ids`` back into the near stack of ``tile_id``
    (the undo of :func:`split`)."""
    with transaction.atomic():
        ReviewImage.objects.filter(stack_id__in=leader_ids).update(tile_id=tile_id)
        ReviewImage.objects.filter(pk__in=leader_ids).exclude(pk=tile_id).update(
            is_tile=False, near_state=""
        )
        ReviewImage.objects.filter(pk=tile_id).update(is_tile=True, near_state=state)
        recount([tile_id])


def recount(tile_ids: list[int]) -> None:
    """Store how many items each tile stands for."""
    counts = dict(
        ReviewImage.objects.filter(tile_id__in=tile_ids)
        .values_list("tile_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for pk in tile_ids:
        ReviewImage.objects.filter(pk=pk).update(count=counts.get(pk, 1))
