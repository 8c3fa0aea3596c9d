"""Which device to examine first: a score, a band and the reasons, from one evidence summary."""

from __future__ import annotations

#: Points for the first matched file of a category, and per further file (capped).
_CATEGORY_POINTS = {"A": (60, 1.0), "B": (45, 0.5), "C": (30, 0.25)}
#: Categories outside the UK A/B/C scale (e.g. VICS CAM) weigh like category B.
_OTHER_POINTS = (45, 0.5)
_PER_FILE_CAP = 20
_INDICATOR_POINTS = {"peer-to-peer": 8, "anonymity": 8, "wiping": 6, "encryption": 6, "cloud": 3}
_DELETED_MATCH_POINTS = 10
HIGH, MEDIUM = 50.0, 20.0


def assess(summary: dict, deleted_matches: int, unknown_images: int) -> dict:
    """``{"score", "band", "reasons"}`` for one evidence item.

    ``summary`` is the report's summary (categories, matches, indicators);
    ``deleted_matches`` the matched files that were deleted; ``unknown_images``
    the images neither known nor matched (a large volume deserves a look).
    """
    score = 0.0
    reasons: list[str] = []
    categories = summary.get("categories", {})
    best = 0.0
    extra = 0.0
    for label in sorted(categories):
        counts = categories[label]
        base, per_file = _CATEGORY_POINTS.get(label, _OTHER_POINTS)
        best = max(best, base)
        extra += min(_PER_FILE_CAP, per_file * (counts["files"] - 1))
        reasons.append(
            f"{counts['files']} file(s) matched in category {label} ({counts['unique']} unique)"
        )
    score += best + min(_PER_FILE_CAP, extra)
    perceptual = summary.get("matches", {}).get("perceptual", 0)
    if perceptual:
        reasons.append(f"{perceptual} file(s) matched only perceptually: confirm by eye")
    if deleted_matches:
        score += _DELETED_MATCH_POINTS
        reasons.append(f"{deleted_matches} matched file(s) were deleted")
    groups = sorted({i.get("group", "") for i in summary.get("indicators", [])})
    for group in groups:
        score += _INDICATOR_POINTS.get(group, 3)
    for ind in summary.get("indicators", []):
        reasons.append(f"indicator {ind['name']}: {ind.get('count', len(ind['paths']))} path(s)")
    if unknown_images >= 1000:
        score += 10
        reasons.append(f"{unknown_images} images not in any hash set")
    elif unknown_images >= 100:
        score += 5
        reasons.append(f"{unknown_images} images not in any hash set")
    score = min(100.0, round(score, 1))
    band = "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"
    if not reasons:
        reasons.append("no matches and no indicators")
    return {"score": score, "band": band, "reasons": reasons}
