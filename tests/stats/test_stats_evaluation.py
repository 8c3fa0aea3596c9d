"""The help-seeking evaluation: exact rate ratio, segmented regression, the words."""

from __future__ import annotations

import math
from datetime import date

import pytest
from scipy.stats import beta
from tests.factories import PASSWORD

from netsafe.prevention import demo as prevention_demo
from netsafe.stats.evaluation import (
    Change,
    Evaluation,
    Segmented,
    evaluate,
    explain,
    rate_ratio,
    segmented_regression,
)


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


def _words_for(trend: float, level: float, slope: float) -> str:
    """The month-by-month sentence for a fit with these changes (intervals around them)."""
    months = [date(2016, 1, 1)] * 6

    def change(ratio: float) -> Change:
        return Change(ratio, ratio * 0.9, ratio * 1.1)

    series = Segmented(
        months, [10] * 6, [10.0] * 6, [10.0] * 6, 3, change(trend), change(level), change(slope), 6
    )
    ev = Evaluation("wales", (LAUNCH, LAUNCH), (LAUNCH, LAUNCH), None, series, (), ())
    return next(line for line in explain(ev) if line.startswith("Month by month"))


LAUNCH = date(2016, 11, 1)


@pytest.mark.parametrize(
    ("trend", "level", "slope", "expected"),
    [
        (
            1.0,
            1.0,
            1.0,
            [
                "help-seeking was about level (changing by less than 1% a month) before launch",
                "its level stayed on the earlier trend (1.00 times",
                "the monthly trend after launch was the same as before (1.000 times",
            ],
        ),
        (
            1.03,
            1.45,
            0.98,
            [
                "help-seeking was rising by about 3% a month before launch",
                "its level rose to 1.45 times (95% CI 1.30 to 1.59) the earlier trend",
                "the monthly trend after launch was 0.980 times",
            ],
        ),
        (
            0.96,
            0.8,
            1.0,
            [
                "help-seeking was falling by about 4% a month before launch",
                "its level fell to 0.80 times",
                "the same as before",
            ],
        ),
    ],
)
def test_the_month_by_month_sentence_reads_right_for_every_case(trend, level, slope, expected):
    words = _words_for(trend, level, slope)
    for phrase in expected:
        assert phrase in words
    assert "about no change" not in words
    assert "by about 0%" not in words


def _its_design(n: int, t0: int):
    import numpy as np

    t = np.arange(n, dtype=float)
    after = (t >= t0).astype(float)
    return np.column_stack([np.ones_like(t), t, after, (t - t0) * after])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_poisson_fit_is_statsmodels_glm_with_the_pearson_scale(seed):
    """The numpy fit gives statsmodels' numbers: same start, steps, stopping rule and scale."""
    import numpy as np
    import statsmodels.api as sm

    from netsafe.stats import glm

    rng = np.random.default_rng(seed)
    n, t0 = 24 + seed, 12
    design = _its_design(n, t0)
    mu = np.exp(design @ np.array([4.0, 0.01, 0.4, -0.02]))
    y = rng.negative_binomial(5, 5 / (5 + mu)).astype(float)  # counts that vary more than Poisson
    y[seed] = 0
    mine = glm.fit(y, design)
    theirs = sm.GLM(y, design, family=sm.families.Poisson()).fit(scale="X2")
    assert mine.iterations == theirs.fit_history["iteration"]
    assert mine.converged
    np.testing.assert_allclose(mine.params, theirs.params, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.bse, theirs.bse, rtol=1e-10)
    assert mine.scale == pytest.approx(theirs.scale, rel=1e-10)
    np.testing.assert_allclose(mine.conf_int(0.05), theirs.conf_int(alpha=0.05), rtol=1e-10)
    np.testing.assert_allclose(mine.predict(design), theirs.predict(design), rtol=1e-10)


@pytest.mark.parametrize(
    ("k", "n"),
    [(1350, 2250), (12, 22), (0, 5), (5, 5), (3, 10), (5, 10), (1, 1), (40, 1000), (20000, 39000)],
)
def test_exact_binomial_is_scipys_binomtest(k, n):
    from scipy.special import betainc as scipy_betainc
    from scipy.stats import binomtest

    from netsafe.stats import binomial

    test = binomtest(k, n, 0.5)
    ci = test.proportion_ci(confidence_level=0.95, method="exact")
    low, high = binomial.clopper_pearson(k, n, 0.95)
    # scipy finds the limits by brentq to 2e-12; these are exact to rounding.
    assert low == pytest.approx(ci.low, abs=1e-11)
    assert high == pytest.approx(ci.high, abs=1e-11)
    assert binomial.two_sided_p(k, n, 0.5) == pytest.approx(test.pvalue, rel=1e-9)
    for x in (0.001, 0.3, 0.5, 0.6, 0.999):
        assert binomial.betainc(k + 1, n - k + 1, x) == pytest.approx(
            scipy_betainc(k + 1, n - k + 1, x), rel=1e-10, abs=1e-13
        )
