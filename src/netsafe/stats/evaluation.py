"""Did more people seek help after the launch? The help-seeking evaluation.

Two analyses of the prevention service's released counts (people from the
region who used the helpline or the self-help):

- the **rate ratio** of the 12 months after launch to the 12 months before,
  with an exact 95% confidence interval: conditional on the total ``a + b``,
  the count after is binomial with ``p = RR / (1 + RR)`` (equal periods), so
  the Clopper-Pearson interval for ``p`` gives the interval for ``RR``;
- an **interrupted time series** on the monthly counts: segmented Poisson
  regression (quasi-Poisson: the scale is estimated from the data, as monthly
  counts vary more than Poisson) with a pre-launch trend, a change of level
  at launch and a change of trend after it.

And :func:`explain` says in words what the figures do and do not show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from netsafe.periods import launch_day, year_after_launch, year_before_launch

from . import binomial, glm
from .press import REGION_NAMES


@dataclass(frozen=True)
class RateRatio:
    after: int
    before: int
    ratio: float
    low: float
    high: float
    #: Two-sided exact p-value for "no change" (ratio 1).
    p_value: float


def rate_ratio(after: int, before: int, confidence: float = 0.95) -> RateRatio:
    """Rate ratio ``after / before`` over equal periods, with an exact Poisson interval."""
    if after < 0 or before <= 0:
        raise ValueError(f"need before > 0 and after >= 0, not after={after}, before={before}")
    low, high = binomial.clopper_pearson(after, after + before, confidence)

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p)

    return RateRatio(
        after=after,
        before=before,
        ratio=after / before,
        low=to_ratio(low),
        high=to_ratio(high),
        p_value=binomial.two_sided_p(after, after + before, 0.5),
    )


@dataclass(frozen=True)
class Change:
    """A multiplicative change with its 95% confidence interval."""

    ratio: float
    low: float
    high: float


@dataclass(frozen=True)
class Segmented:
    months: list[date]
    #: Observed counts (None: suppressed, left out of the fit).
    counts: list[int | None]
    #: Fitted counts with the launch's effect, and the pre-launch trend carried on.
    fitted: list[float]
    counterfactual: list[float]
    launch_index: int
    #: Month-on-month change before launch.
    trend: Change
    #: Change of level at launch (fitted count in the launch month against the trend).
    level: Change
    #: Change of the month-on-month trend after launch.
    slope: Change
    used: int


def segmented_regression(months: list[date], counts: list[int | None], launch: date) -> Segmented:
    """Fit ``log mu = b0 + b1*t + b2*after + b3*(t - t0)*after`` to the monthly counts."""
    t0 = next((i for i, month in enumerate(months) if month >= launch), None)
    if t0 is None or t0 < 3 or len(months) - t0 < 3:
        raise ValueError("need at least 3 months before launch and 3 from launch on")
    t = np.arange(len(months), dtype=float)
    after = (t >= t0).astype(float)
    design = np.column_stack([np.ones_like(t), t, after, (t - t0) * after])
    keep = np.array([c is not None for c in counts])
    if keep[:t0].sum() < 3 or keep[t0:].sum() < 3:
        raise ValueError("too many months suppressed to fit a trend either side of launch")
    y = np.array([c or 0 for c in counts], dtype=float)
    if not (y[:t0][keep[:t0]].any() and y[t0:][keep[t0:]].any()):
        raise ValueError("no help-seeking was counted before launch or after it")
    result = glm.fit(y[keep], design[keep])
    params, ci = result.params, result.conf_int(alpha=0.05)

    def change(i: int) -> Change:
        return Change(float(np.exp(params[i])), float(np.exp(ci[i][0])), float(np.exp(ci[i][1])))

    no_launch = design.copy()
    no_launch[:, 2:] = 0
    return Segmented(
        months=months,
        counts=counts,
        fitted=[float(v) for v in result.predict(design)],
        counterfactual=[float(v) for v in result.predict(no_launch)],
        launch_index=t0,
        trend=change(1),
        level=change(2),
        slope=change(3),
        used=int(keep.sum()),
    )


@dataclass(frozen=True)
class Evaluation:
    region: str
    after_period: tuple[date, date]
    before_period: tuple[date, date]
    rate: RateRatio | None
    series: Segmented | None
    #: Why an analysis could not be done, if it could not.
    missing: tuple[str, ...]
    text: tuple[str, ...]


def evaluate(region: str = "wales", help_seeking: dict | None = None) -> Evaluation:
    """The evaluation from the prevention service's aggregate interface.

    ``help_seeking`` is the contract's ``help_seeking`` object when the caller
    already has it (it is fetched otherwise).
    """
    from netsafe.prevention.aggregates import QueryRefused, before_after
    from netsafe.prevention.aggregates import help_seeking as monthly

    start = launch_day()
    after_period, before_period = year_after_launch(), year_before_launch()
    missing: list[str] = []
    rate = None
    try:
        figures = help_seeking or before_after(region)
    except QueryRefused as exc:
        figures, missing = None, [f"The before and after counts are not available: {exc}."]
    if figures is not None:
        after, before = figures["after"], figures["before"]
        if isinstance(after, int) and isinstance(before, int) and before > 0:
            rate = rate_ratio(after, before)
        else:
            missing.append(
                "The rate ratio needs both yearly counts, and one is suppressed or zero."
            )
    series = None
    try:
        cells = monthly(region, before_period[0], after_period[1], by="month")
        months = [cell.start for cell in cells]
        series = segmented_regression(months, [cell.people for cell in cells], start)
    except (QueryRefused, ValueError) as exc:
        missing.append(f"The monthly series could not be analysed: {exc}.")
    evaluation = Evaluation(region, after_period, before_period, rate, series, tuple(missing), ())
    return Evaluation(**{**vars(evaluation), "text": tuple(explain(evaluation))})


def _monthly_trend(ratio: float) -> str:
    """The month-on-month trend before launch as a clause ("rising by about 3% a month")."""
    points = round((ratio - 1) * 100)
    if points == 0:
        return "about level (changing by less than 1% a month)"
    return f"{'rising' if points > 0 else 'falling'} by about {abs(points)}% a month"


def _times(change: Change, digits: int) -> str:
    """``1.45 times (95% CI 1.20 to 1.75)``."""
    return (
        f"{change.ratio:.{digits}f} times (95% CI {change.low:.{digits}f} to "
        f"{change.high:.{digits}f})"
    )


def _step(level: Change) -> str:
    """What happened to the level at launch, said for a rise, a fall or no change."""
    if round(level.ratio, 2) == 1:
        return f"its level stayed on the earlier trend ({_times(level, 2)} the trend)"
    moved = "rose" if level.ratio > 1 else "fell"
    return f"its level {moved} to {_times(level, 2)} the earlier trend"


def _bend(slope: Change) -> str:
    """How the monthly trend after launch compares with the trend before."""
    if round(slope.ratio, 3) == 1:
        return f"the monthly trend after launch was the same as before ({_times(slope, 3)})"
    return f"the monthly trend after launch was {_times(slope, 3)} the trend before"


def explain(ev: Evaluation) -> list[str]:
    """Plain-English paragraphs: what the figures show, and what they do not."""
    region = REGION_NAMES.get(ev.region, ev.region)
    text = []
    if ev.rate is not None:
        r = ev.rate
        significant = r.low > 1 or r.high < 1
        text.append(
            f"In the 12 months after launch ({ev.after_period[0]:%-d %B %Y} to "
            f"{ev.after_period[1]:%-d %B %Y}) {r.after:,} people from {region} used the "
            f"helpline or the self-help resources, against {r.before:,} in the 12 months "
            f"before: a rate ratio of {r.ratio:.2f} (95% confidence interval {r.low:.2f} to "
            f"{r.high:.2f}). "
            + (
                "A change this large is very unlikely to be chance variation alone."
                if significant
                else "A difference this size could be chance variation alone."
            )
        )
    if ev.series is not None:
        s = ev.series
        text.append(
            f"Month by month ({s.used} months), help-seeking was "
            f"{_monthly_trend(s.trend.ratio)} before launch. At launch {_step(s.level)}, "
            f"and {_bend(s.slope)}."
        )
    text.extend(ev.missing)
    text.append(
        "What this does not show. It does not show that the operation caused the change: "
        "there is no comparison group, and anything else that happened at the same time "
        "(other campaigns, news coverage of other cases, changes to the service itself) "
        "would look the same. Publicity is part of the effect: the launch, the arrests and "
        "the press coverage make people aware the help exists, so a rise may fade when the "
        "coverage does. If the launch was timed after an unusually quiet year, part of the "
        "rise would be regression to the mean. The counts are of people who sought help, "
        "not of offending: more people asking for help does not mean that fewer people "
        "view images, or more. A person who used both the helpline and the self-help is "
        "counted twice, a self-help visitor once per month of use, and every figure is "
        "rounded to the nearest 5 before it leaves the charity."
    )
    return text
