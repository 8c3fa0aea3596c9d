"""The help-seeking evaluation: exact rate ratio, segmented regression, the words."""

from __future__ import annotations

import math
from datetime import date

import pytest
from scipy.stats import beta
from tests.factories import PASSWORD

from netsafe.prevention import demo as prevention_demo
from netsafe.stats.evaluation import evaluate, rate_ratio, segmented_regression


def test_rate_ratio_interval_is_the_exact_conditional_binomial_one():
    rr = rate_ratio(1350, 900)
    assert rr.ratio == 1.5
    # Clopper-Pearson limits for p = after / (after + before), from the beta distribution.
    a, b = 1350, 900
    p_low, p_high = beta.ppf(0.025, a, b + 1), beta.ppf(0.975, a + 1, b)
    assert rr.low == pytest.approx(p_low / (1 - p_low), rel=1e-6)
    assert rr.high == pytest.approx(p_high / (1 - p_high), rel=1e-6)
    assert 1.37 < rr.low < 1.5 < rr.high < 1.64
    assert rr.p_value < 1e-6
    small = rate_ratio(12, 10)
    assert small.low < 1 < small.high  # 12 against 10 could be chance
    with pytest.raises(ValueError, match="before > 0"):
        rate_ratio(5, 0)


def test_segmented_regression_recovers_a_step_at_launch():
    months = [date(2015 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(24)]
    launch = date(2016, 11, 1)
    counts = []
    for i, month in enumerate(months):
        after = month >= launch
        mu = 80 * 1.005**i * (1.5 if after else 1.0)
        counts.append(round(mu + (3 if i % 2 else -3)))  # a little noise, no randomness
    counts[5] = None  # a suppressed month is left out, not taken as 0
    fit = segmented_regression(months, counts, launch)
    assert fit.launch_index == 12
    assert fit.used == 23
    assert fit.level.ratio == pytest.approx(1.5, rel=0.05)
    assert fit.level.low < fit.level.ratio < fit.level.high
    assert fit.slope.ratio == pytest.approx(1.0, abs=0.02)
    assert fit.counterfactual[12] == pytest.approx(fit.fitted[12] / fit.level.ratio, rel=1e-6)
    with pytest.raises(ValueError, match="at least 3 months"):
        segmented_regression(months[:13], counts[:13], launch)


@pytest.mark.django_db(databases=["default", "prevention"])
def test_evaluation_of_the_demo_help_seeking_says_what_it_does_not_show():
    prevention_demo.load(password=PASSWORD)
    ev = evaluate("wales")
    assert (ev.rate.after, ev.rate.before) == (1350, 900)
    assert len(ev.series.months) == 24
    assert ev.series.months[ev.series.launch_index] == date(2016, 11, 1)
    assert ev.series.level.ratio > 1
    assert not ev.missing
    words = " ".join(ev.text)
    assert "a rate ratio of 1.50 (95% confidence interval 1.38 to 1.63)" in words
    for caveat in ("does not show that the operation caused", "regression to the mean"):
        assert caveat in words
    assert "Publicity" in words
    assert "not of offending" in words
    assert all(not math.isnan(v) for v in ev.series.fitted)


@pytest.mark.django_db(databases=["default", "prevention"])
def test_evaluation_without_data_says_what_is_missing():
    ev = evaluate("wales")
    assert ev.rate is None
    assert ev.series is None
    assert any("rate ratio needs both yearly counts" in line for line in ev.text)
